// HS256 JWTs compatible with PyJWT (which Mango-JWT uses). The verification rules, and where we
// are stricter than PyJWT, are written down in token_service_test.cpp against the shared vectors.
#include "mango/token.hpp"

#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>

#include "primitives.hpp"

namespace mango {
namespace {

constexpr std::size_t kSha256BlockSize = 64;
constexpr std::size_t kSha256Size = 32;

// What we write: the header Mango-JWT's PyJWT 1.x wrote, byte for byte. PyJWT 2 writes the keys
// sorted ({"alg":..,"typ":..}); every PyJWT version accepts either order.
constexpr std::string_view kIssuedHeaderJson = R"({"typ":"JWT","alg":"HS256"})";
// Headers seen almost always, recognised without a JSON parse (the two orders above), and
// their base64url forms.
constexpr std::string_view kKnownHeaderJson[] = {
    R"({"typ":"JWT","alg":"HS256"})",
    R"({"alg":"HS256","typ":"JWT"})",
};
constexpr std::string_view kTypAlgHeaderSegment = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9";
constexpr std::string_view kAlgTypHeaderSegment = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

[[noreturn]] void abort_on_crypto_failure() {
  // Only allocation failure can make these OpenSSL calls fail; there is no safe answer then.
  std::fputs("mango: OpenSSL SHA-256 failed while computing a token MAC; aborting\n", stderr);
  std::abort();
}

struct DigestContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using DigestContext = std::unique_ptr<EVP_MD_CTX, DigestContextDeleter>;

DigestContext new_digest_context() {
  DigestContext context(EVP_MD_CTX_new());
  if (!context) abort_on_crypto_failure();
  return context;
}

// HMAC-SHA256 with the key's inner and outer pad blocks absorbed once, so each MAC costs only
// the message blocks plus one outer block (RFC 2104 section 4, "precomputed" variant).
class PrecomputedHmacSha256 {
 public:
  explicit PrecomputedHmacSha256(std::string_view key)
      : inner_(new_digest_context()), outer_(new_digest_context()) {
    std::array<unsigned char, kSha256BlockSize> block{};
    if (key.size() > kSha256BlockSize) {
      const std::string hashed = crypto::sha256(key);
      std::copy(hashed.begin(), hashed.end(), block.begin());
    } else {
      std::copy(key.begin(), key.end(), block.begin());
    }
    std::array<unsigned char, kSha256BlockSize> pad{};
    for (std::size_t i = 0; i < kSha256BlockSize; ++i) pad[i] = block[i] ^ 0x36;
    absorb_block(inner_.get(), pad);
    for (std::size_t i = 0; i < kSha256BlockSize; ++i) pad[i] = block[i] ^ 0x5c;
    absorb_block(outer_.get(), pad);
    OPENSSL_cleanse(block.data(), block.size());
    OPENSSL_cleanse(pad.data(), pad.size());
  }

  // Thread-safe: the precomputed states are only read; each thread has its own scratch context.
  std::array<unsigned char, kSha256Size> mac(std::string_view data) const {
    thread_local DigestContext scratch = new_digest_context();
    std::array<unsigned char, kSha256Size> inner_digest{};
    std::array<unsigned char, kSha256Size> result{};
    if (EVP_MD_CTX_copy_ex(scratch.get(), inner_.get()) != 1 ||
        EVP_DigestUpdate(scratch.get(), data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(scratch.get(), inner_digest.data(), nullptr) != 1 ||
        EVP_MD_CTX_copy_ex(scratch.get(), outer_.get()) != 1 ||
        EVP_DigestUpdate(scratch.get(), inner_digest.data(), inner_digest.size()) != 1 ||
        EVP_DigestFinal_ex(scratch.get(), result.data(), nullptr) != 1) {
      abort_on_crypto_failure();
    }
    return result;
  }

 private:
  static void absorb_block(EVP_MD_CTX* context,
                           const std::array<unsigned char, kSha256BlockSize>& block) {
    if (EVP_DigestInit_ex(context, EVP_sha256(), nullptr) != 1 ||
        EVP_DigestUpdate(context, block.data(), block.size()) != 1) {
      abort_on_crypto_failure();
    }
  }

  DigestContext inner_;
  DigestContext outer_;
};

std::string_view as_view(const std::array<unsigned char, kSha256Size>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

// Parses JSON without throwing; a discarded value means the text was not valid JSON
// (nlohmann also rejects invalid UTF-8 in strings).
nlohmann::json parse_json(std::string_view text) {
  return nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
}

// PyJWT reads NumericDate claims with Python's int(): numbers are truncated toward zero.
// Strings are refused here (see the either_ok decisions in the tests); values beyond int64
// saturate, which keeps their meaning (1e20 is simply "far in the future").
std::optional<std::int64_t> numeric_date(const nlohmann::json& value) {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  switch (value.type()) {
    case nlohmann::json::value_t::number_integer:
      return value.get<std::int64_t>();
    case nlohmann::json::value_t::number_unsigned: {
      const auto unsigned_value = value.get<std::uint64_t>();
      return unsigned_value > static_cast<std::uint64_t>(kMax) ? kMax
                                                               : static_cast<std::int64_t>(unsigned_value);
    }
    case nlohmann::json::value_t::number_float: {
      const double truncated = std::trunc(value.get<double>());
      if (std::isnan(truncated)) return std::nullopt;
      if (truncated >= 9.2e18) return kMax;
      if (truncated <= -9.2e18) return kMin;
      return static_cast<std::int64_t>(truncated);
    }
    default:
      return std::nullopt;  // strings, booleans, null, arrays, objects
  }
}

// Python truthiness, for PyJWT's `if not payload["aud"]` test.
bool python_truthy(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return false;
    case nlohmann::json::value_t::boolean:
      return value.get<bool>();
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
    case nlohmann::json::value_t::number_float:
      return value.get<double>() != 0.0;
    case nlohmann::json::value_t::string:
      return !value.get_ref<const std::string&>().empty();  // json::empty() is false for strings
    case nlohmann::json::value_t::array:
    case nlohmann::json::value_t::object:
      return !value.empty();
    default:
      return true;
  }
}

// The payload every Mango-JWT and mango-jwt token carries, read without building a JSON document:
// {"id":"<printable ASCII, no escapes>","exp":<up to 18 digits>} in either key order, no
// whitespace. Anything else (more claims, escapes, spacing) returns nullopt and takes the full
// JSON path, so this only decides how fast, never what, a token verifies to.
struct CommonPayload {
  std::string_view user_id;
  std::int64_t expires_at = 0;
};

std::optional<CommonPayload> read_common_payload(std::string_view json) {
  std::size_t at = 0;
  const auto take = [&](char expected) {
    if (at < json.size() && json[at] == expected) {
      ++at;
      return true;
    }
    return false;
  };
  const auto take_plain_string = [&]() -> std::optional<std::string_view> {
    if (!take('"')) return std::nullopt;
    const std::size_t begin = at;
    while (at < json.size() && json[at] != '"') {
      const auto c = static_cast<unsigned char>(json[at]);
      if (c < 0x20 || c > 0x7e || c == '\\') return std::nullopt;
      ++at;
    }
    if (!take('"')) return std::nullopt;
    return json.substr(begin, at - begin - 1);
  };

  CommonPayload payload;
  bool have_id = false;
  bool have_exp = false;
  if (!take('{')) return std::nullopt;
  for (int member = 0; member < 2; ++member) {
    if (member == 1 && !take(',')) return std::nullopt;
    const auto key = take_plain_string();
    if (!key || !take(':')) return std::nullopt;
    if (*key == "id" && !have_id) {
      const auto id = take_plain_string();
      if (!id) return std::nullopt;
      payload.user_id = *id;
      have_id = true;
    } else if (*key == "exp" && !have_exp) {
      const std::size_t begin = at;
      std::int64_t value = 0;
      while (at < json.size() && json[at] >= '0' && json[at] <= '9' && at - begin < 18) {
        value = value * 10 + (json[at] - '0');
        ++at;
      }
      const std::size_t digits = at - begin;
      // No leading zeros (invalid JSON) and no more digits than we read (18 cannot overflow).
      if (digits == 0 || (digits > 1 && json[begin] == '0') ||
          (at < json.size() && json[at] >= '0' && json[at] <= '9')) {
        return std::nullopt;
      }
      payload.expires_at = value;
      have_exp = true;
    } else {
      return std::nullopt;
    }
  }
  if (!take('}') || at != json.size()) return std::nullopt;
  return payload;
}

// The header must be a JSON object whose alg is exactly "HS256" (PyJWT's allow-list).
std::optional<TokenFailure> check_header(std::string_view header_json) {
  for (const auto known : kKnownHeaderJson) {
    if (header_json == known) return std::nullopt;
  }
  const nlohmann::json header = parse_json(header_json);
  if (!header.is_object()) return TokenFailure::malformed;
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() || alg->get_ref<const std::string&>() != "HS256") {
    return TokenFailure::wrong_algorithm;
  }
  // PyJWT 2 rejects a kid that is not a string.
  const auto kid = header.find("kid");
  if (kid != header.end() && !kid->is_string()) return TokenFailure::malformed;
  return std::nullopt;
}

std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    return b > 0 ? std::numeric_limits<std::int64_t>::max()
                 : std::numeric_limits<std::int64_t>::min();
  }
  return sum;
}

std::int64_t system_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

struct TokenService::Impl {
  explicit Impl(TokenOptions options)
      : hmac(options.secret),
        lifetime_seconds(options.lifetime.count()),
        leeway_seconds(std::max<std::int64_t>(0, options.leeway.count())),
        require_exp(options.require_exp),
        now(options.now ? std::move(options.now) : std::function<std::int64_t()>(system_now)),
        encoded_header(crypto::base64url_encode(kIssuedHeaderJson)) {}

  PrecomputedHmacSha256 hmac;
  std::int64_t lifetime_seconds;
  std::int64_t leeway_seconds;  // negative leeway would make no sense; clamped to 0
  bool require_exp;
  std::function<std::int64_t()> now;
  std::string encoded_header;
};

TokenService::TokenService(TokenOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

TokenService::~TokenService() = default;

std::string TokenService::issue(std::string_view user_id) const {
  const std::int64_t expires_at = saturating_add(impl_->now(), impl_->lifetime_seconds);
  // Compact and ASCII-only like Python's json.dumps(separators=(",", ":")); invalid UTF-8 in an
  // id is replaced rather than thrown on.
  const std::string id_json = nlohmann::json(std::string(user_id))
                                  .dump(-1, ' ', /*ensure_ascii=*/true,
                                        nlohmann::json::error_handler_t::replace);
  const std::string payload_json =
      R"({"id":)" + id_json + R"(,"exp":)" + std::to_string(expires_at) + "}";

  std::string token = impl_->encoded_header;
  token.push_back('.');
  token += crypto::base64url_encode(payload_json);
  const auto signature = impl_->hmac.mac(token);
  token.push_back('.');
  token += crypto::base64url_encode(as_view(signature));
  return token;
}

std::expected<TokenClaims, TokenFailure> TokenService::verify(std::string_view token) const {
  // Exactly three segments. (PyJWT splits on the last dot and then the first, so extra dots end
  // up inside its payload segment; no issuer writes them, and we refuse them outright.)
  const std::size_t first_dot = token.find('.');
  if (first_dot == std::string_view::npos) return std::unexpected(TokenFailure::malformed);
  const std::size_t second_dot = token.find('.', first_dot + 1);
  if (second_dot == std::string_view::npos ||
      token.find('.', second_dot + 1) != std::string_view::npos) {
    return std::unexpected(TokenFailure::malformed);
  }
  const std::string_view header_segment = token.substr(0, first_dot);
  const std::string_view payload_segment = token.substr(first_dot + 1, second_dot - first_dot - 1);
  const std::string_view signature_segment = token.substr(second_dot + 1);

  // The two headers PyJWT writes (typ,alg from 1.x and us; alg,typ from 2.x) skip decoding.
  if (header_segment != kTypAlgHeaderSegment && header_segment != kAlgTypHeaderSegment) {
    const auto header_json = crypto::base64url_decode(header_segment);
    if (!header_json) return std::unexpected(TokenFailure::malformed);
    if (const auto failure = check_header(*header_json)) return std::unexpected(*failure);
  }

  const auto signature = crypto::base64url_decode(signature_segment);
  if (!signature) return std::unexpected(TokenFailure::malformed);
  const auto expected_signature = impl_->hmac.mac(token.substr(0, second_dot));
  // Nothing in the payload is looked at before the signature proves who wrote it.
  if (!crypto::constant_time_equal(*signature, as_view(expected_signature))) {
    return std::unexpected(TokenFailure::bad_signature);
  }

  const auto payload_json = crypto::base64url_decode(payload_segment);
  if (!payload_json) return std::unexpected(TokenFailure::malformed);
  const std::int64_t now = impl_->now();
  const std::int64_t leeway = impl_->leeway_seconds;
  // PyJWT 2 and RFC 7519: a token is no longer valid at its exp second.
  const auto is_expired = [&](std::int64_t expires_at) {
    return expires_at <= saturating_add(now, -leeway);
  };

  if (const auto common = read_common_payload(*payload_json)) {
    if (is_expired(common->expires_at)) return std::unexpected(TokenFailure::expired);
    if (common->user_id.empty()) return std::unexpected(TokenFailure::missing_user_id);
    return TokenClaims{std::string(common->user_id), common->expires_at};
  }

  const nlohmann::json payload = parse_json(*payload_json);
  if (!payload.is_object()) return std::unexpected(TokenFailure::malformed);

  // The registered claims PyJWT 2.6 checks by default, in its order: iat, nbf, exp, aud.
  if (const auto iat = payload.find("iat"); iat != payload.end()) {
    const auto issued_at = numeric_date(*iat);
    if (!issued_at) return std::unexpected(TokenFailure::malformed);
    if (*issued_at > saturating_add(now, leeway)) {
      return std::unexpected(TokenFailure::not_yet_valid);
    }
  }
  if (const auto nbf = payload.find("nbf"); nbf != payload.end()) {
    const auto not_before = numeric_date(*nbf);
    if (!not_before) return std::unexpected(TokenFailure::malformed);
    if (*not_before > saturating_add(now, leeway)) {
      return std::unexpected(TokenFailure::not_yet_valid);
    }
  }
  TokenClaims claims;
  if (const auto exp = payload.find("exp"); exp != payload.end()) {
    const auto expires_at = numeric_date(*exp);
    if (!expires_at) return std::unexpected(TokenFailure::malformed);
    if (is_expired(*expires_at)) return std::unexpected(TokenFailure::expired);
    claims.expires_at = *expires_at;
  } else if (impl_->require_exp) {
    return std::unexpected(TokenFailure::malformed);  // RFC 8725 3.10: exp is required here
  }
  // PyJWT rejects an audience it was not told to expect; an empty ("falsy") aud is ignored.
  if (const auto aud = payload.find("aud"); aud != payload.end() && python_truthy(*aud)) {
    return std::unexpected(TokenFailure::malformed);
  }

  const auto id = payload.find("id");
  if (id == payload.end() || !id->is_string() || id->get_ref<const std::string&>().empty()) {
    return std::unexpected(TokenFailure::missing_user_id);
  }
  claims.user_id = id->get<std::string>();
  return claims;
}

const char* describe(TokenFailure failure) {
  switch (failure) {
    case TokenFailure::malformed:
      return "the token is malformed";
    case TokenFailure::wrong_algorithm:
      return "the token's signing algorithm is not allowed";
    case TokenFailure::bad_signature:
      return "the token's signature is invalid";
    case TokenFailure::expired:
      return "the token has expired";
    case TokenFailure::not_yet_valid:
      return "the token is not valid yet";
    case TokenFailure::missing_user_id:
      return "the token does not name a user";
  }
  return "the token is invalid";
}

std::string_view token_from_authorization(std::string_view header_value) {
  constexpr std::string_view kWhitespace = " \t\r\n\v\f";
  const auto trim = [&](std::string_view text) {
    const std::size_t begin = text.find_first_not_of(kWhitespace);
    if (begin == std::string_view::npos) return std::string_view{};
    const std::size_t end = text.find_last_not_of(kWhitespace);
    return text.substr(begin, end - begin + 1);
  };
  const std::string_view value = trim(header_value);
  constexpr std::string_view kScheme = "bearer";
  if (value.size() < kScheme.size()) return value;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char lowered = (value[i] >= 'A' && value[i] <= 'Z') ? char(value[i] - 'A' + 'a') : value[i];
    if (lowered != kScheme[i]) return value;
  }
  const std::string_view rest = value.substr(kScheme.size());
  if (rest.empty()) return {};  // "Bearer" with no token
  // The scheme must be followed by whitespace; "Bearerxyz" is taken as a raw token.
  if (kWhitespace.find(rest.front()) == std::string_view::npos) return value;
  return trim(rest);
}

}  // namespace mango
