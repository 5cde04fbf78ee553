// TokenService against the shared PyJWT vectors, plus issuing, expiry and header parsing.
#include "mango/token.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "primitives.hpp"

namespace mango {
namespace {

// A fixed "now" (2025-10-09) between the vectors' expired tokens (<= 1.7e9) and valid ones (2100).
constexpr std::int64_t kVectorsNow = 1'760'000'000;

nlohmann::json load_vectors() {
  std::ifstream file(std::string(MANGO_VECTORS_DIR) + "/jwt_tokens.json");
  EXPECT_TRUE(file.is_open()) << "cannot open jwt_tokens.json in " << MANGO_VECTORS_DIR;
  return nlohmann::json::parse(file);
}

TokenOptions options_at(std::string secret, std::int64_t now) {
  TokenOptions options;
  options.secret = std::move(secret);
  options.now = [now] { return now; };
  return options;
}

// A clock the test moves by hand.
struct ManualClock {
  std::shared_ptr<std::int64_t> seconds = std::make_shared<std::int64_t>(0);
  std::function<std::int64_t()> function() const {
    return [seconds = seconds] { return *seconds; };
  }
};

std::string decode_segment(std::string_view token, int index) {
  std::size_t begin = 0;
  for (int i = 0; i < index; ++i) begin = token.find('.', begin) + 1;
  const std::size_t end = token.find('.', begin);
  const auto decoded = crypto::base64url_decode(token.substr(begin, end - begin));
  return decoded.value_or("<invalid base64url>");
}

// Our answer for each vector PyJWT answers one way and a stricter verifier may answer another
// (`either_ok`). true = verify() accepts. Every either_ok vector must be listed here.
const std::map<std::string, bool>& either_ok_decisions() {
  static const std::map<std::string, bool> decisions = {
      // exp 4102444800.5: accepted. RFC 7519 NumericDate allows fractions and PyJWT int()s it.
      {"valid_exp_float", true},
      // exp "4102444800": rejected (malformed). A NumericDate is a JSON number; no issuer we
      // interoperate with (Mango-JWT, PyJWT, us) writes a string, so accepting it only widens
      // what a token may look like.
      {"valid_exp_numeric_string", false},
      // exp 1e20: accepted, saturated to the int64 maximum: it means "never expires", as in PyJWT.
      {"valid_exp_huge", true},
      // No exp: rejected (malformed) by default, as issue 7 and RFC 8725 advise: a token that
      // never expires cannot be contained once leaked. Mango-JWT (PyJWT) accepts it, and only the
      // key holder can mint one, so jwt_require_exp = false (TokenOptions::require_exp) restores
      // that; see ExpIsRequiredUnlessConfiguredOtherwise. Our tokens always carry exp.
      {"valid_missing_exp", false},
      // iat in the future: rejected (not_yet_valid), as PyJWT 2.6 (the vectors' reference) does.
      {"iat_future", false},
      // Signature variants PyJWT's lenient base64 accepts: non-zero unused bits in the last char,
      // '=' padding, the standard '+/' alphabet. Accepted: they decode to the correct MAC, so
      // nobody without the key can make them, and a client of Mango-JWT keeps working.
      {"sig_noncanonical_last_char", true},
      {"sig_with_padding", true},
      {"sig_standard_base64_alphabet", true},
      // Surrounding whitespace: verify() rejects any character outside base64url (PyJWT answers
      // these four inconsistently). The HTTP layer passes the Authorization value through
      // token_from_authorization(), which trims it, so over HTTP all four are accepted; see
      // WhitespaceVectorsAreAcceptedAfterHeaderTrimming.
      {"leading_space", false},
      {"trailing_space", false},
      {"trailing_newline", false},
      {"trailing_two_spaces", false},
  };
  return decisions;
}

TEST(TokenVectors, EveryVectorGivesTheExpectedAnswer) {
  const nlohmann::json vectors = load_vectors()["vectors"];
  ASSERT_EQ(vectors.size(), 61u);
  std::set<std::string> either_ok_seen;
  for (const auto& vector : vectors) {
    const std::string name = vector["name"];
    const TokenService service(options_at(vector["secret"], kVectorsNow));
    const auto result = service.verify(vector["token"].get<std::string>());

    bool expect_valid = vector["expected"] == "valid";
    if (vector["either_ok"].get<bool>()) {
      const auto decision = either_ok_decisions().find(name);
      ASSERT_NE(decision, either_ok_decisions().end())
          << "either_ok vector " << name << " needs a deliberate decision";
      expect_valid = decision->second;
      either_ok_seen.insert(name);
    }
    if (expect_valid) {
      ASSERT_TRUE(result.has_value())
          << vector["id"] << " " << name << ": " << describe(result.error());
      EXPECT_EQ(result->user_id, vector["payload"]["id"].get<std::string>()) << name;
    } else {
      EXPECT_FALSE(result.has_value()) << vector["id"] << " " << name << " was accepted";
    }
  }
  EXPECT_EQ(either_ok_seen.size(), either_ok_decisions().size())
      << "a decision names a vector that is no longer either_ok";
}

TEST(TokenVectors, FailuresSayWhichRuleFailed) {
  const nlohmann::json vectors = load_vectors()["vectors"];
  const std::map<std::string, TokenFailure> expected_failures = {
      {"wrong_secret", TokenFailure::bad_signature},
      {"empty_secret", TokenFailure::bad_signature},
      {"alg_confusion_hs256_keyed_with_rsa_pubkey", TokenFailure::bad_signature},
      {"payload_swapped", TokenFailure::bad_signature},
      {"sig_empty", TokenFailure::bad_signature},
      {"expired_exp_1000000000", TokenFailure::expired},
      {"expired_exp_1700000000", TokenFailure::expired},
      {"expired_exp_0", TokenFailure::expired},
      {"expired_exp_-1", TokenFailure::expired},
      {"nbf_future", TokenFailure::not_yet_valid},
      {"iat_future", TokenFailure::not_yet_valid},
      {"alg_hs384_same_secret", TokenFailure::wrong_algorithm},
      {"alg_none_empty_sig", TokenFailure::wrong_algorithm},
      {"alg_None_empty_sig", TokenFailure::wrong_algorithm},
      {"alg_NONE_empty_sig", TokenFailure::wrong_algorithm},
      {"alg_none_with_hs256_sig", TokenFailure::wrong_algorithm},
      {"alg_lowercase_hs256", TokenFailure::wrong_algorithm},
      {"alg_missing", TokenFailure::wrong_algorithm},
      {"alg_rs256", TokenFailure::wrong_algorithm},
      {"alg_es256", TokenFailure::wrong_algorithm},
      {"header_swapped_to_hs512", TokenFailure::wrong_algorithm},
      {"missing_id", TokenFailure::missing_user_id},
      {"exp_not_numeric", TokenFailure::malformed},
      {"exp_null", TokenFailure::malformed},
      {"valid_exp_numeric_string", TokenFailure::malformed},
      // Our TokenFailure has no audience value; an unexpected audience is a claim we cannot honour.
      {"aud_present", TokenFailure::malformed},
      {"sig_missing_segment", TokenFailure::malformed},
      {"four_segments", TokenFailure::malformed},
      {"five_segments_jwe_like", TokenFailure::malformed},
      {"empty_string", TokenFailure::malformed},
      {"garbage", TokenFailure::malformed},
      {"header_not_json", TokenFailure::malformed},
      {"payload_not_object", TokenFailure::malformed},
      {"payload_not_json", TokenFailure::malformed},
      {"bearer_prefix", TokenFailure::malformed},
      {"leading_space", TokenFailure::malformed},
      {"trailing_newline", TokenFailure::malformed},
  };
  std::size_t checked = 0;
  for (const auto& vector : vectors) {
    const auto expected = expected_failures.find(vector["name"].get<std::string>());
    if (expected == expected_failures.end()) continue;
    const TokenService service(options_at(vector["secret"], kVectorsNow));
    const auto result = service.verify(vector["token"].get<std::string>());
    ASSERT_FALSE(result.has_value()) << vector["name"];
    EXPECT_EQ(result.error(), expected->second)
        << vector["name"] << " failed as: " << describe(result.error());
    ++checked;
  }
  EXPECT_EQ(checked, expected_failures.size());
}

TEST(TokenVectors, WhitespaceVectorsAreAcceptedAfterHeaderTrimming) {
  const nlohmann::json vectors = load_vectors()["vectors"];
  const std::set<std::string> whitespace_vectors = {"leading_space", "trailing_space",
                                                    "trailing_newline", "trailing_two_spaces"};
  std::size_t checked = 0;
  for (const auto& vector : vectors) {
    if (!whitespace_vectors.contains(vector["name"].get<std::string>())) continue;
    const TokenService service(options_at(vector["secret"], kVectorsNow));
    const std::string header_value = vector["token"];
    const auto result = service.verify(token_from_authorization(header_value));
    ASSERT_TRUE(result.has_value()) << vector["name"] << ": " << describe(result.error());
    EXPECT_EQ(result->user_id, vector["payload"]["id"].get<std::string>());
    ++checked;
  }
  EXPECT_EQ(checked, whitespace_vectors.size());
}

TEST(TokenVectors, BearerPrefixIsAcceptedThroughTheHeader) {
  // verify() itself rejects "Bearer <token>" (as PyJWT does); the header helper strips it.
  const nlohmann::json vectors = load_vectors()["vectors"];
  for (const auto& vector : vectors) {
    if (vector["name"] != "bearer_prefix") continue;
    const TokenService service(options_at(vector["secret"], kVectorsNow));
    const std::string header_value = vector["token"];
    EXPECT_FALSE(service.verify(header_value).has_value());
    const auto result = service.verify(token_from_authorization(header_value));
    ASSERT_TRUE(result.has_value()) << describe(result.error());
    EXPECT_EQ(result->user_id, vector["payload"]["id"].get<std::string>());
    return;
  }
  FAIL() << "bearer_prefix vector not found";
}

TEST(TokenVectors, ValidVectorsReportTheirExpiry) {
  const nlohmann::json vectors = load_vectors()["vectors"];
  for (const auto& vector : vectors) {
    if (vector["name"] == "valid_hs256_S1_0") {
      const TokenService service(options_at(vector["secret"], kVectorsNow));
      const auto result = service.verify(vector["token"].get<std::string>());
      ASSERT_TRUE(result.has_value());
      EXPECT_EQ(result->expires_at, 4102444800);
    }
    if (vector["name"] == "valid_exp_float") {
      const TokenService service(options_at(vector["secret"], kVectorsNow));
      const auto result = service.verify(vector["token"].get<std::string>());
      ASSERT_TRUE(result.has_value());
      EXPECT_EQ(result->expires_at, 4102444800);  // truncated like Python's int()
    }
    if (vector["name"] == "valid_exp_huge") {
      const TokenService service(options_at(vector["secret"], kVectorsNow));
      const auto result = service.verify(vector["token"].get<std::string>());
      ASSERT_TRUE(result.has_value());
      EXPECT_EQ(result->expires_at, std::numeric_limits<std::int64_t>::max());
    }
    if (vector["name"] == "valid_missing_exp") {
      TokenOptions lenient = options_at(vector["secret"], kVectorsNow);
      lenient.require_exp = false;
      const TokenService service(std::move(lenient));
      const auto result = service.verify(vector["token"].get<std::string>());
      ASSERT_TRUE(result.has_value());
      EXPECT_EQ(result->expires_at, 0);
    }
  }
}

// Python: header {"typ":"JWT","alg":"HS256"}, payload json.dumps({"id":..,"exp":..},
// separators=(",", ":")), HMAC-SHA256 with the UTF-8 secret, base64url without padding.
constexpr char kUserId[] = "ID_0b6a3c1e-7c1f-4f3e-9a57-3f1d2e4c5b6a";
constexpr std::int64_t kIssuedAt = 1'700'000'000;
constexpr char kTokenWithSecret[] =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9."
    "eyJpZCI6IklEXzBiNmEzYzFlLTdjMWYtNGYzZS05YTU3LTNmMWQyZTRjNWI2YSIsImV4cCI6MTcwMDYwNDgwMH0."
    "o1fFLV7J4GJJwYgOyRFp9oyAvg_yAGNi14AQNjzznz8";
constexpr char kTokenWithUnicodeSecret[] =
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9."
    "eyJpZCI6IklEXzBiNmEzYzFlLTdjMWYtNGYzZS05YTU3LTNmMWQyZTRjNWI2YSIsImV4cCI6MTcwMDYwNDgwMH0."
    "q1wfY3JCvsFo7Y6zjOXCfz50zC0fFvzdbfdOwhhIMi4";

TEST(TokenIssue, WritesMangoJwtHeaderAndPayloadBytes) {
  const TokenService service(options_at("secret", kIssuedAt));
  const std::string token = service.issue(kUserId);
  EXPECT_EQ(decode_segment(token, 0), R"({"typ":"JWT","alg":"HS256"})");
  EXPECT_EQ(decode_segment(token, 1),
            std::string(R"({"id":")") + kUserId + R"(","exp":1700604800})");  // 7 days later
  EXPECT_EQ(token, kTokenWithSecret);
}

TEST(TokenIssue, MatchesPythonForTheVectorsUnicodeSecret) {
  // Secrets are their UTF-8 bytes, as PyJWT encodes a str key.
  const TokenService service(options_at("another-secret-\u03a9-2024", kIssuedAt));
  EXPECT_EQ(service.issue(kUserId), kTokenWithUnicodeSecret);
  const TokenService other(options_at("secret", kIssuedAt));
  ASSERT_FALSE(other.verify(kTokenWithUnicodeSecret).has_value());
  EXPECT_EQ(other.verify(kTokenWithUnicodeSecret).error(), TokenFailure::bad_signature);
}

TEST(TokenIssue, EscapesIdsLikePythonJsonDumps) {
  const TokenService service(options_at("secret", kIssuedAt));
  const std::string token = service.issue("\xc3\xa9\"\n\x01");
  // Python: json.dumps({"id": 'é"\n\x01', "exp": ...}, separators=(",", ":"))
  EXPECT_EQ(decode_segment(token, 1), R"({"id":"\u00e9\"\n\u0001","exp":1700604800})");
  const auto claims = service.verify(token);
  ASSERT_TRUE(claims.has_value());
  EXPECT_EQ(claims->user_id, "\xc3\xa9\"\n\x01");
}

TEST(TokenIssue, RoundTripsThroughVerify) {
  const TokenService service(options_at("a long enough secret for tests", kIssuedAt));
  const auto claims = service.verify(service.issue("ID_round-trip"));
  ASSERT_TRUE(claims.has_value()) << describe(claims.error());
  EXPECT_EQ(claims->user_id, "ID_round-trip");
  EXPECT_EQ(claims->expires_at, kIssuedAt + 7 * 24 * 3600);
}

TEST(TokenIssue, MacMatchesPlainHmacForAnyKeyLength) {
  // The precomputed pad states must give plain HMAC-SHA256, including keys longer than a block.
  for (const std::size_t key_length : {0, 1, 31, 63, 64, 65, 200}) {
    const std::string secret(key_length, 'k');
    const TokenService service(options_at(secret, kIssuedAt));
    const std::string token = service.issue("ID_x");
    const std::size_t last_dot = token.rfind('.');
    EXPECT_EQ(crypto::base64url_encode(crypto::hmac_sha256(secret, token.substr(0, last_dot))),
              token.substr(last_dot + 1))
        << "key length " << key_length;
    EXPECT_TRUE(service.verify(token).has_value()) << "key length " << key_length;
  }
}

TEST(TokenVerify, RejectsTokensOfAnotherSecret) {
  const TokenService ours(options_at("secret", kIssuedAt));
  const TokenService theirs(options_at("Secret", kIssuedAt));
  const auto result = ours.verify(theirs.issue(kUserId));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), TokenFailure::bad_signature);
}

TEST(TokenVerify, RejectsAlgNoneForgedFromOurToken) {
  const TokenService service(options_at("secret", kIssuedAt));
  const std::string token = service.issue(kUserId);
  const std::string payload = token.substr(token.find('.') + 1, token.rfind('.') - token.find('.') - 1);
  const std::string forged =
      crypto::base64url_encode(R"({"typ":"JWT","alg":"none"})") + "." + payload + ".";
  ASSERT_FALSE(service.verify(forged).has_value());
  EXPECT_EQ(service.verify(forged).error(), TokenFailure::wrong_algorithm);
}

TEST(TokenVerify, ChecksSignatureBeforeClaims) {
  // An expired payload under a wrong signature reports the signature, not the expiry.
  const TokenService signer(options_at("other", 1000));
  const TokenService service(options_at("secret", kIssuedAt));
  const auto result = service.verify(signer.issue(kUserId));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), TokenFailure::bad_signature);
}

TEST(TokenVerify, RequiresANonEmptyStringId) {
  // Lenient about exp, so that payloads without one reach the id check.
  TokenOptions lenient = options_at("secret", kIssuedAt);
  lenient.require_exp = false;
  const TokenService service(std::move(lenient));
  const auto sign = [](std::string_view payload_json) {
    const std::string input = crypto::base64url_encode(R"({"typ":"JWT","alg":"HS256"})") + "." +
                              crypto::base64url_encode(payload_json);
    return input + "." + crypto::base64url_encode(crypto::hmac_sha256("secret", input));
  };
  for (const char* payload : {R"({"id":42,"exp":4102444800})", R"({"id":null})",
                              R"({"id":["ID_x"]})", R"({"id":""})", R"({"ID":"ID_x"})"}) {
    const auto result = service.verify(sign(payload));
    ASSERT_FALSE(result.has_value()) << payload;
    EXPECT_EQ(result.error(), TokenFailure::missing_user_id) << payload;
  }
  // PyJWT ignores an empty ("falsy") aud and checks other claims' types.
  EXPECT_TRUE(service.verify(sign(R"({"id":"ID_x","aud":""})")).has_value());
  EXPECT_FALSE(service.verify(sign(R"({"id":"ID_x","aud":["someone"]})")).has_value());
  EXPECT_FALSE(service.verify(sign(R"({"id":"ID_x","nbf":"soon"})")).has_value());
  EXPECT_FALSE(service.verify(sign(R"({"id":"ID_x","iat":true})")).has_value());
  EXPECT_FALSE(service.verify(sign(R"({"id":"ID_x","exp":false})")).has_value());
  // Payloads off the common {"id","exp"} shape read the same as Python's json.loads would.
  const auto read_id = [&](std::string_view payload) {
    const auto claims = service.verify(sign(payload));
    return claims ? claims->user_id : std::string("<rejected: ") + describe(claims.error()) + ">";
  };
  EXPECT_EQ(read_id(R"({"exp":4102444800,"id":"ID_x"})"), "ID_x");
  EXPECT_EQ(read_id(R"({ "id" : "ID_x" , "exp" : 4102444800 })"), "ID_x");
  EXPECT_EQ(read_id(R"({"id":"ID_x","exp":4102444800})"), "ID_x");
  EXPECT_EQ(read_id(R"({"id":"ID_a","id":"ID_b","exp":4102444800})"), "ID_b");  // last wins
  EXPECT_EQ(read_id(R"({"id":"ID_x","exp":9999999999999999999})"), "ID_x");
  EXPECT_EQ(read_id(R"({"id":"ID_x","exp":4102444800.0})"), "ID_x");
  EXPECT_EQ(read_id(R"({"id":"ID_x","exp":4102444800,"extra":[1,{"a":null}]})"), "ID_x");
  EXPECT_FALSE(service.verify(sign(R"({"id":"ID_x","exp":04102444800})")).has_value());
  EXPECT_FALSE(service.verify(sign(R"({"id":"ID_x","exp":1699999999})")).has_value());
  EXPECT_FALSE(service.verify(sign(R"({"id":"ID_x","exp":4102444800}x)")).has_value());
  EXPECT_FALSE(service.verify(sign(R"({"id":"ID_x","exp":4102444800)")).has_value());
  // Invalid UTF-8 in the payload is not JSON.
  EXPECT_FALSE(service.verify(sign("{\"id\":\"ID_\xff\"}")).has_value());
}

TEST(TokenExpiry, FollowsTheInjectedClock) {
  ManualClock clock;
  *clock.seconds = kIssuedAt;
  TokenOptions options;
  options.secret = "secret";
  options.lifetime = std::chrono::hours(1);
  options.now = clock.function();
  const TokenService service(std::move(options));
  const std::string token = service.issue(kUserId);

  *clock.seconds = kIssuedAt + 3599;
  EXPECT_TRUE(service.verify(token).has_value());
  // Like PyJWT 2 and RFC 7519: no longer valid at the exp second itself.
  *clock.seconds = kIssuedAt + 3600;
  ASSERT_FALSE(service.verify(token).has_value());
  EXPECT_EQ(service.verify(token).error(), TokenFailure::expired);
}

TEST(TokenExpiry, LeewayToleratesClockSkew) {
  ManualClock clock;
  *clock.seconds = kIssuedAt;
  TokenOptions options;
  options.secret = "secret";
  options.lifetime = std::chrono::hours(1);
  options.leeway = std::chrono::seconds(30);
  options.now = clock.function();
  const TokenService service(std::move(options));
  const std::string token = service.issue(kUserId);

  *clock.seconds = kIssuedAt + 3600 + 29;
  EXPECT_TRUE(service.verify(token).has_value());
  *clock.seconds = kIssuedAt + 3600 + 30;
  ASSERT_FALSE(service.verify(token).has_value());
  EXPECT_EQ(service.verify(token).error(), TokenFailure::expired);
}

TEST(TokenExpiry, SystemClockIsUsedByDefault) {
  TokenOptions options;
  options.secret = "secret";
  const TokenService service(std::move(options));
  const auto claims = service.verify(service.issue(kUserId));
  ASSERT_TRUE(claims.has_value());
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  // The default lifetime is Mango-JWT's 7 days.
  EXPECT_GE(claims->expires_at, now + 7 * 24 * 3600 - 60);
  EXPECT_LE(claims->expires_at, now + 7 * 24 * 3600);
}

TEST(TokenVerify, IsSafeToShareBetweenThreads) {
  const TokenService service(options_at("secret", kIssuedAt));
  const std::string good = service.issue(kUserId);
  const std::string bad = TokenService(options_at("other", kIssuedAt)).issue(kUserId);
  std::atomic<int> wrong_answers{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        if (!service.verify(good).has_value()) ++wrong_answers;
        if (service.verify(bad).has_value()) ++wrong_answers;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong_answers.load(), 0);
}

TEST(Describe, EveryFailureHasText) {
  for (const auto failure :
       {TokenFailure::malformed, TokenFailure::wrong_algorithm, TokenFailure::bad_signature,
        TokenFailure::expired, TokenFailure::not_yet_valid, TokenFailure::missing_user_id}) {
    EXPECT_GT(std::string(describe(failure)).size(), 5u);
  }
}

TEST(TokenFromAuthorization, ReadsRawAndBearerValues) {
  EXPECT_EQ(token_from_authorization(""), "");
  EXPECT_EQ(token_from_authorization("   "), "");
  EXPECT_EQ(token_from_authorization("a.b.c"), "a.b.c");  // Mango-JWT's raw form
  EXPECT_EQ(token_from_authorization("  a.b.c \r\n"), "a.b.c");
  EXPECT_EQ(token_from_authorization("Bearer a.b.c"), "a.b.c");
  EXPECT_EQ(token_from_authorization("bearer a.b.c"), "a.b.c");
  EXPECT_EQ(token_from_authorization("BEARER\ta.b.c"), "a.b.c");
  EXPECT_EQ(token_from_authorization(" Bearer   a.b.c  "), "a.b.c");
  EXPECT_EQ(token_from_authorization("Bearer"), "");
  EXPECT_EQ(token_from_authorization("Bearer   "), "");
  EXPECT_EQ(token_from_authorization("Bearerx.y.z"), "Bearerx.y.z");  // not the scheme
  EXPECT_EQ(token_from_authorization("Basic dXNlcjpwYXNz"), "Basic dXNlcjpwYXNz");
}

// Not a correctness test: prints the cost of one verify. Run with
// --gtest_also_run_disabled_tests --gtest_filter='*VerifyCost*' on an optimised build.
TEST(TokenPerformance, DISABLED_VerifyCost) {
  const TokenService service(options_at("secret", kIssuedAt));
  const std::string token = service.issue(kUserId);
  constexpr int kIterations = 500'000;
  std::size_t accepted = 0;
  // Processor time rather than wall time: the figure should not depend on other load.
  const std::clock_t start = std::clock();
  for (int i = 0; i < kIterations; ++i) accepted += service.verify(token).has_value();
  const double elapsed_ns = double(std::clock() - start) * 1e9 / CLOCKS_PER_SEC;
  EXPECT_EQ(accepted, static_cast<std::size_t>(kIterations));
  std::cout << "verify: " << elapsed_ns / kIterations << " ns of CPU time per call\n";
}

}  // namespace
}  // namespace mango

// --- RFC 8725 (JWT Best Current Practices): one test per rule ---
namespace mango {
namespace {

std::string hs256_token(std::string_view header_json, std::string_view payload_json,
                        std::string_view key) {
  const std::string input =
      crypto::base64url_encode(header_json) + "." + crypto::base64url_encode(payload_json);
  return input + "." + crypto::base64url_encode(crypto::hmac_sha256(key, input));
}

constexpr char kTyped[] = R"({"typ":"JWT","alg":"HS256"})";
constexpr char kKey[] = "rfc8725-test-key-0123456789abcdef";
constexpr std::int64_t kNow = 1'800'000'000;

std::string claims(std::string_view extra) {
  return std::string(R"({"id":"ID_x")") + std::string(extra) + "}";
}

TokenFailure failure_of(const TokenService& service, const std::string& token) {
  const auto result = service.verify(token);
  EXPECT_FALSE(result.has_value()) << "accepted: " << token;
  return result ? TokenFailure{} : result.error();
}

}  // namespace

// RFC 8725 3.1 and 3.2: the algorithm is ours (HS256), never the token's choice.
TEST(Rfc8725, OnlyHs256IsAccepted) {
  const TokenService service(options_at(kKey, kNow));
  const std::string payload = claims(R"(,"exp":1900000000)");
  ASSERT_TRUE(service.verify(hs256_token(kTyped, payload, kKey)).has_value());
  for (const char* alg : {"none", "None", "NONE", "nOnE", "HS384", "HS512", "hs256", "RS256",
                          "ES256", "PS256", "EdDSA", ""}) {
    SCOPED_TRACE(alg);
    const std::string header = std::string(R"({"typ":"JWT","alg":")") + alg + "\"}";
    // Even correctly HMAC-SHA256-signed with our key, another alg is refused...
    EXPECT_EQ(failure_of(service, hs256_token(header, payload, kKey)),
              TokenFailure::wrong_algorithm);
    // ...and so is the unsigned form ("alg":"none" with an empty signature).
    const std::string unsigned_token = crypto::base64url_encode(header) + "." +
                                       crypto::base64url_encode(payload) + ".";
    EXPECT_EQ(failure_of(service, unsigned_token), TokenFailure::wrong_algorithm);
  }
  for (const char* header : {R"({"typ":"JWT"})", R"({"alg":null})", R"({"alg":["HS256"]})",
                             R"({"alg":256})"}) {
    SCOPED_TRACE(header);
    EXPECT_EQ(failure_of(service, hs256_token(header, payload, kKey)),
              TokenFailure::wrong_algorithm);
  }
}

// RFC 8725 2.1 and 3.1: the public key of an RS256 deployment used as the HMAC secret.
TEST(Rfc8725, Rs256WithThePublicKeyAsHmacSecretIsRefused) {
  const std::string public_key =
      "-----BEGIN PUBLIC KEY-----\n"
      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEn1LlOAlvzRbD2tP7QXQ3H4ppvEFz\n"
      "-----END PUBLIC KEY-----\n";
  // Even when our HMAC key happens to be that public text, an RS256 header is refused.
  const TokenService service(options_at(public_key, kNow));
  const std::string forged = hs256_token(R"({"typ":"JWT","alg":"RS256"})",
                                         claims(R"(,"exp":1900000000)"), public_key);
  EXPECT_EQ(failure_of(service, forged), TokenFailure::wrong_algorithm);
}

// RFC 8725 3.3 / RFC 7515 5.2: nothing from the payload is used, not even parsed, until the
// signature is proven.
TEST(Rfc8725, SignatureIsCheckedBeforeAnyClaim) {
  const TokenService service(options_at(kKey, kNow));
  const std::string header = crypto::base64url_encode(kTyped);
  const std::string bad_signature = crypto::base64url_encode(std::string(32, 'x'));
  for (const std::string& payload_segment :
       {crypto::base64url_encode("not json at all"), crypto::base64url_encode("[1,2]"),
        std::string("!!!not-base64url!!!"), crypto::base64url_encode(claims(R"(,"exp":1)")),
        crypto::base64url_encode(R"({"exp":1900000000})"),
        crypto::base64url_encode(claims(R"(,"nbf":9999999999)"))}) {
    SCOPED_TRACE(payload_segment);
    EXPECT_EQ(failure_of(service, header + "." + payload_segment + "." + bad_signature),
              TokenFailure::bad_signature);
  }
}

// RFC 7519 4.1.4 with RFC 8725 3.10's clock-skew allowance: expired at exp, plus leeway.
TEST(Rfc8725, ExpIsHonouredWithLeeway) {
  const std::string token = hs256_token(kTyped, claims(R"(,"exp":1800000000)"), kKey);
  TokenOptions strict = options_at(kKey, kNow);
  EXPECT_EQ(failure_of(TokenService(strict), token), TokenFailure::expired);
  TokenOptions skewed = options_at(kKey, kNow + 59);
  skewed.leeway = std::chrono::seconds(60);
  EXPECT_TRUE(TokenService(skewed).verify(token).has_value());
  skewed = options_at(kKey, kNow + 60);
  skewed.leeway = std::chrono::seconds(60);
  EXPECT_EQ(failure_of(TokenService(skewed), token), TokenFailure::expired);
  TokenOptions early = options_at(kKey, kNow - 1);
  EXPECT_TRUE(TokenService(early).verify(token).has_value());
}

TEST(Rfc8725, ExpIsRequiredUnlessConfiguredOtherwise) {
  const std::string token = hs256_token(kTyped, claims(""), kKey);
  EXPECT_EQ(failure_of(TokenService(options_at(kKey, kNow)), token), TokenFailure::malformed);
  TokenOptions lenient = options_at(kKey, kNow);
  lenient.require_exp = false;
  const auto accepted = TokenService(std::move(lenient)).verify(token);
  ASSERT_TRUE(accepted.has_value());
  EXPECT_EQ(accepted->expires_at, 0);
  // exp: null is not "absent": malformed either way.
  EXPECT_EQ(failure_of(TokenService(options_at(kKey, kNow)),
                       hs256_token(kTyped, claims(R"(,"exp":null)"), kKey)),
            TokenFailure::malformed);
}

// RFC 7519 4.1.5 (nbf) and PyJWT's iat check, both with leeway.
TEST(Rfc8725, NbfAndIatAreHonouredWithLeeway) {
  for (const char* claim : {"nbf", "iat"}) {
    SCOPED_TRACE(claim);
    const std::string token = hs256_token(
        kTyped, claims(std::string(R"(,"exp":1900000000,")") + claim + R"(":1800000030)"), kKey);
    EXPECT_EQ(failure_of(TokenService(options_at(kKey, kNow)), token),
              TokenFailure::not_yet_valid);
    EXPECT_TRUE(TokenService(options_at(kKey, kNow + 30)).verify(token).has_value());
    TokenOptions skewed = options_at(kKey, kNow);
    skewed.leeway = std::chrono::seconds(30);
    EXPECT_TRUE(TokenService(skewed).verify(token).has_value());
    skewed = options_at(kKey, kNow - 1);
    skewed.leeway = std::chrono::seconds(30);
    EXPECT_EQ(failure_of(TokenService(skewed), token), TokenFailure::not_yet_valid);
  }
}

// RFC 7515 / 7519: header and payload are UTF-8 JSON objects. With duplicate member names the
// last one counts (RFC 7515 5.2 allows that; it is what Python's json.loads, hence PyJWT, does).
TEST(Rfc8725, HeaderAndPayloadMustBeUtf8JsonObjects) {
  const TokenService service(options_at(kKey, kNow));
  const std::string payload = claims(R"(,"exp":1900000000)");
  for (const std::string header :
       {std::string(R"(["HS256"])"), std::string(R"("HS256")"), std::string("null"),
        std::string("{\"alg\":\"HS256\",\"kid\":\"\xff\"}"),   // invalid UTF-8
        std::string("{\"alg\":\"HS256\",\"kid\":\"\xc0\xaf\"}"),  // overlong encoding
        std::string(R"({"alg":"HS256")"), std::string(R"({"alg":"HS256"}{})")}) {
    SCOPED_TRACE(header);
    EXPECT_EQ(failure_of(service, hs256_token(header, payload, kKey)), TokenFailure::malformed);
  }
  for (const std::string body :
       {std::string(R"([{"id":"ID_x","exp":1900000000}])"), std::string(R"("ID_x")"),
        std::string("42"), std::string("null"),
        std::string("{\"id\":\"ID_\xff\",\"exp\":1900000000}"),
        std::string("{\"id\":\"ID_\xed\xa0\x80\",\"exp\":1900000000}"),  // UTF-8 surrogate
        std::string(R"({"id":"ID_x","exp":1900000000)")}) {
    SCOPED_TRACE(body);
    EXPECT_EQ(failure_of(service, hs256_token(kTyped, body, kKey)), TokenFailure::malformed);
  }
  // Duplicates: the last one counts, in the header...
  EXPECT_EQ(failure_of(service, hs256_token(R"({"alg":"HS256","alg":"none"})", payload, kKey)),
            TokenFailure::wrong_algorithm);
  EXPECT_TRUE(service.verify(hs256_token(R"({"alg":"none","alg":"HS256"})", payload, kKey)));
  // ...and in the payload.
  const auto last = service.verify(
      hs256_token(kTyped, R"({"id":"ID_a","exp":1900000000,"id":"ID_b"})", kKey));
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->user_id, "ID_b");
  EXPECT_EQ(failure_of(service, hs256_token(kTyped, R"({"id":"ID_a","exp":1900000000,"exp":1})",
                                            kKey)),
            TokenFailure::expired);
}

}  // namespace mango
