// PasswordHasher against the passlib/Django vectors, OpenSSL's PBKDF2, and hostile input.
#include "mango/password.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <array>
#include <atomic>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <span>
#include <thread>
#include <vector>

#include "password_argon2.hpp"
#include "password_pbkdf2.hpp"
#include "password_scheme.hpp"
#include "primitives.hpp"
#include "sha256_shani.hpp"

namespace mango {
namespace {

using crypto::Pbkdf2Digest;

struct PasswordVector {
  std::string id;
  std::string scheme;
  std::string test_case;
  std::string password;  // exact bytes, from password_b64
  std::string hash;
  bool expected_verify = false;
};

// gtest names a parameter by printing it; the id is enough (and keeps passwords out of logs).
void PrintTo(const PasswordVector& vector, std::ostream* out) { *out << vector.id; }

struct VectorFile {
  std::size_t declared_count = 0;
  std::vector<PasswordVector> vectors;
};

const VectorFile& vector_file() {
  static const VectorFile file = [] {
    VectorFile loaded;
    std::ifstream in(std::string(MANGO_VECTORS_DIR) + "/password_hashes.json");
    if (!in) return loaded;
    const auto json = nlohmann::json::parse(in);
    loaded.declared_count = json.at("meta").at("count").get<std::size_t>();
    for (const auto& v : json.at("vectors")) {
      const auto password = crypto::base64_decode(v.at("password_b64").get<std::string>());
      if (!password)
        throw std::runtime_error("bad password_b64 in " + v.at("id").get<std::string>());
      loaded.vectors.push_back(PasswordVector{v.at("id"), v.at("scheme"), v.at("case"), *password,
                                              v.at("hash"), v.at("expected_verify")});
    }
    return loaded;
  }();
  return file;
}

std::unique_ptr<PasswordHasher> make_hasher(const PasswordOptions& options = {}) {
  auto hasher = PasswordHasher::create(options);
  if (!hasher) throw std::runtime_error("PasswordHasher::create failed: " + hasher.error().message);
  return std::move(*hasher);
}

// Cheap costs, so tests that make many hashes stay fast.
PasswordOptions cheap_options(std::string scheme) {
  PasswordOptions options;
  options.scheme = std::move(scheme);
  options.pbkdf2_rounds = 1000;
  options.argon2_time_cost = 1;
  options.argon2_memory_kib = 1024;
  options.argon2_parallelism = 1;
  options.bcrypt_rounds = 4;
  return options;
}

const PasswordHasher& default_hasher() {
  static const auto hasher = make_hasher();
  return *hasher;
}

std::string hex(std::span<const unsigned char> bytes) {
  return crypto::hex_encode(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// ---------------------------------------------------------------- vectors

class PasswordVectorTest : public ::testing::TestWithParam<PasswordVector> {};

TEST_P(PasswordVectorTest, VerifyGivesPasslibAnswer) {
  const auto& v = GetParam();
  EXPECT_EQ(default_hasher().verify(v.password, v.hash), v.expected_verify)
      << v.id << " (" << v.scheme << ", " << v.test_case << "): " << v.hash;
}

INSTANTIATE_TEST_SUITE_P(PasslibVectors, PasswordVectorTest,
                         ::testing::ValuesIn(vector_file().vectors),
                         [](const ::testing::TestParamInfo<PasswordVector>& info) {
                           std::string name = info.param.id;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(PasswordVectors, AllDeclaredVectorsAreLoaded) {
  ASSERT_GT(vector_file().vectors.size(), 0u)
      << "missing " MANGO_VECTORS_DIR "/password_hashes.json";
  EXPECT_EQ(vector_file().vectors.size(), vector_file().declared_count);
}

// Our encoder, given a stored hash's salt and rounds, writes that very hash.
TEST(PasswordVectors, Pbkdf2EncodingIsBitIdenticalToDjangoAndPasslib) {
  int checked = 0;
  for (const auto& v : vector_file().vectors) {
    if (v.test_case != "positive" || !v.hash.starts_with("pbkdf2_")) continue;
    const auto parts = crypto::split_dollar(v.hash);
    ASSERT_EQ(parts.size(), 4u) << v.id;
    const auto digest = parts[0] == "pbkdf2_sha256" ? Pbkdf2Digest::sha256 : Pbkdf2Digest::sha1;
    const auto rounds = crypto::parse_decimal(parts[1], crypto::kMaxPbkdf2Rounds);
    ASSERT_TRUE(rounds) << v.id;
    EXPECT_EQ(crypto::encode_django_pbkdf2(digest, v.password, parts[2], *rounds), v.hash) << v.id;
    ++checked;
  }
  EXPECT_GE(checked, 40);
}

TEST(PasswordVectors, Argon2idEncodingIsBitIdenticalToDjango) {
  int checked = 0;
  for (const auto& v : vector_file().vectors) {
    if (v.test_case != "positive" || !v.hash.starts_with("argon2$argon2id$")) continue;
    // argon2$argon2id$v=19$m=102400,t=2,p=8$<salt>$<tag>: salt is unpadded base64.
    const auto parts = crypto::split_dollar(v.hash);
    ASSERT_EQ(parts.size(), 6u) << v.id;
    std::string salt_b64(parts[4]);
    while (salt_b64.size() % 4 != 0) salt_b64 += '=';
    const auto salt = crypto::base64_decode(salt_b64);
    ASSERT_TRUE(salt) << v.id;
    ASSERT_EQ(parts[3], "m=102400,t=2,p=8") << v.id;
    EXPECT_EQ(crypto::encode_django_argon2id(v.password, *salt, 2, 102400, 8), v.hash) << v.id;
    ++checked;
  }
  EXPECT_GE(checked, 5);
}

// ---------------------------------------------------------------- PBKDF2 itself

std::string openssl_pbkdf2(Pbkdf2Digest digest, std::string_view password, std::string_view salt,
                           std::uint32_t rounds, std::size_t length) {
  std::vector<unsigned char> out(length);
  const int ok = PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                                   reinterpret_cast<const unsigned char*>(salt.data()),
                                   static_cast<int>(salt.size()), static_cast<int>(rounds),
                                   digest == Pbkdf2Digest::sha256 ? EVP_sha256() : EVP_sha1(),
                                   static_cast<int>(length), out.data());
  if (ok != 1) throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");
  return hex(out);
}

using crypto::Pbkdf2Engine;

std::string our_pbkdf2(Pbkdf2Digest digest, std::string_view password, std::string_view salt,
                       std::uint32_t rounds, std::size_t length,
                       Pbkdf2Engine engine = Pbkdf2Engine::fastest) {
  std::vector<unsigned char> out(length);
  if (!crypto::pbkdf2_hmac(digest, password, salt, rounds, out, engine))
    throw std::runtime_error("pbkdf2_hmac failed");
  return hex(out);
}

constexpr Pbkdf2Engine kEngines[] = {Pbkdf2Engine::fastest, Pbkdf2Engine::portable};

TEST(Pbkdf2, MatchesOpenSslAcrossKeySaltRoundsAndLengthBoundaries) {
  const std::string long_text(200, 'k');
  for (const auto engine : kEngines)
  for (const auto digest : {Pbkdf2Digest::sha256, Pbkdf2Digest::sha1}) {
    // Key lengths around the 64-byte HMAC block (longer keys are hashed first).
    for (const std::size_t password_size : {0u, 1u, 20u, 32u, 63u, 64u, 65u, 200u}) {
      for (const std::size_t salt_size : {0u, 1u, 12u, 55u, 56u, 64u, 200u}) {
        for (const std::uint32_t rounds : {1u, 2u, 3u, 1000u}) {
          // Output lengths around one and several digest blocks.
          for (const std::size_t length : {1u, 20u, 32u, 33u, 64u, 100u}) {
            const std::string_view password(long_text.data(), password_size);
            const std::string salt(salt_size, 's');
            EXPECT_EQ(our_pbkdf2(digest, password, salt, rounds, length, engine),
                      openssl_pbkdf2(digest, password, salt, rounds, length))
                << "engine " << static_cast<int>(engine) << " password " << password_size << " salt " << salt_size << " rounds " << rounds
                << " length " << length;
          }
        }
      }
    }
  }
}

TEST(Pbkdf2, MatchesOpenSslOnBinaryInputAtManyRounds) {
  const std::string password("p\0w\xff\x80 d", 7);
  const std::string salt("\0\x01salt\xfe", 7);
  for (const auto engine : kEngines)
  for (const auto digest : {Pbkdf2Digest::sha256, Pbkdf2Digest::sha1}) {
    EXPECT_EQ(our_pbkdf2(digest, password, salt, 29000, 32, engine),
              openssl_pbkdf2(digest, password, salt, 29000, 32));
  }
}

// The SHA-extension loop against the portable one at our default rounds, many passwords.
TEST(Pbkdf2, ShaExtensionsAgreeWithThePortableLoop) {
  if (!crypto::sha256_shani_supported()) GTEST_SKIP() << "this CPU has no SHA extensions";
  for (int n = 0; n < 20; ++n) {
    const std::string password = "password-" + std::to_string(n * 7919);
    const std::string salt = "salt" + std::to_string(n);
    const std::uint32_t rounds = n == 0 ? 600000 : 1 + n * 97;
    EXPECT_EQ(our_pbkdf2(Pbkdf2Digest::sha256, password, salt, rounds, 32, Pbkdf2Engine::fastest),
              our_pbkdf2(Pbkdf2Digest::sha256, password, salt, rounds, 32, Pbkdf2Engine::portable))
        << n;
  }
}

TEST(Pbkdf2, PublishedTestVectors) {
  // RFC 6070 (PBKDF2-HMAC-SHA1).
  EXPECT_EQ(our_pbkdf2(Pbkdf2Digest::sha1, "password", "salt", 1, 20),
            "0c60c80f961f0e71f3a9b524af6012062fe037a6");
  EXPECT_EQ(our_pbkdf2(Pbkdf2Digest::sha1, "password", "salt", 4096, 20),
            "4b007901b765489abead49d926f721d065a429c1");
  EXPECT_EQ(our_pbkdf2(Pbkdf2Digest::sha1, std::string_view("pass\0word", 9),
                       std::string_view("sa\0lt", 5), 4096, 16),
            "56fa6aa75548099dcc37d7f03425e0c3");
  // RFC 7914 section 11 (PBKDF2-HMAC-SHA256).
  EXPECT_EQ(our_pbkdf2(Pbkdf2Digest::sha256, "passwd", "salt", 1, 64),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
            "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
}

TEST(Pbkdf2, ZeroRoundsIsRefused) {
  std::array<unsigned char, 32> out{};
  EXPECT_FALSE(crypto::pbkdf2_hmac(Pbkdf2Digest::sha256, "pw", "salt", 0, out));
}

// ---------------------------------------------------------------- hash() per scheme

struct SchemeFormat {
  std::string scheme;
  std::string pattern;
};

void PrintTo(const SchemeFormat& format, std::ostream* out) { *out << format.scheme; }

class NewHashTest : public ::testing::TestWithParam<SchemeFormat> {};

TEST_P(NewHashTest, HashHasDjangoFormatAndRoundTrips) {
  const auto hasher = make_hasher(cheap_options(GetParam().scheme));
  const std::string password = "s3cret p\xc3\xa4ss";
  const std::string first = hasher->hash(password);
  const std::string second = hasher->hash(password);
  EXPECT_TRUE(std::regex_match(first, std::regex(GetParam().pattern))) << first;
  EXPECT_NE(first, second) << "salts must differ";
  EXPECT_TRUE(hasher->verify(password, first));
  EXPECT_TRUE(hasher->verify(password, second));
  EXPECT_FALSE(hasher->verify("s3cret p\xc3\xa4sS", first));
  EXPECT_FALSE(hasher->verify("", first));
  EXPECT_FALSE(hasher->needs_rehash(first));
  // Any hasher reads every scheme, whatever it writes.
  EXPECT_TRUE(default_hasher().verify(password, first));
}

TEST_P(NewHashTest, EmptyAndBinaryPasswordsRoundTrip) {
  const auto hasher = make_hasher(cheap_options(GetParam().scheme));
  const std::string binary("a\0b\xff", 4);
  EXPECT_TRUE(hasher->verify("", hasher->hash("")));
  EXPECT_TRUE(hasher->verify(binary, hasher->hash(binary)));
  EXPECT_FALSE(hasher->verify(std::string("a\0c\xff", 4), hasher->hash(binary)));
  EXPECT_FALSE(hasher->verify("a", hasher->hash(binary)));
}

INSTANTIATE_TEST_SUITE_P(
    Schemes, NewHashTest,
    ::testing::Values(
        SchemeFormat{"pbkdf2_sha256",
                     R"(pbkdf2_sha256\$1000\$[A-Za-z0-9]{12}\$[A-Za-z0-9+/]{43}=)"},
        SchemeFormat{"pbkdf2_sha1", R"(pbkdf2_sha1\$1000\$[A-Za-z0-9]{12}\$[A-Za-z0-9+/]{27}=)"},
        SchemeFormat{
            "argon2",
            R"(argon2\$argon2id\$v=19\$m=1024,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{22})"},
        SchemeFormat{"bcrypt_sha256", R"(bcrypt_sha256\$\$2b\$04\$[./A-Za-z0-9]{53})"}),
    [](const auto& info) { return info.param.scheme; });

TEST(NewHash, DefaultIsPbkdf2Sha256With600000RoundsAnd12CharacterSalt) {
  const std::string hash = default_hasher().hash("password123");
  EXPECT_TRUE(std::regex_match(
      hash, std::regex(R"(pbkdf2_sha256\$600000\$[A-Za-z0-9]{12}\$[A-Za-z0-9+/]{43}=)")))
      << hash;
  EXPECT_TRUE(default_hasher().verify("password123", hash));
}

TEST(NewHash, Bcrypt72ByteTruncationDoesNotApplyToBcryptSha256) {
  const auto hasher = make_hasher(cheap_options("bcrypt_sha256"));
  const std::string base(72, 'x');
  EXPECT_FALSE(hasher->verify(base + "tail-two", hasher->hash(base + "tail-one")));
}

// ---------------------------------------------------------------- verify() specifics

const PasswordVector& vector_by_id(std::string_view id) {
  for (const auto& v : vector_file().vectors) {
    if (v.id == id) return v;
  }
  throw std::runtime_error("no vector " + std::string(id));
}

TEST(Verify, BcryptRefusesPasswordsWithNulLikePasslib) {
  const auto& v = vector_by_id("pw1-0099");  // bcrypt of "password123"
  ASSERT_TRUE(default_hasher().verify(v.password, v.hash));
  // C-string bcrypt would stop at the NUL and accept; passlib refuses the password instead.
  EXPECT_FALSE(default_hasher().verify(v.password + std::string("\0x", 2), v.hash));
}

TEST(Verify, BcryptIgnoresUnusedPaddingBitsLikePasslib) {
  const auto& v = vector_by_id("pw1-0099");
  // The last checksum character carries 2 unused (low) bits of its 6.
  std::string with_padding_bits = v.hash;
  ASSERT_EQ(with_padding_bits.back(), '.');  // index 0 in bcrypt's alphabet
  with_padding_bits.back() = 'A';            // index 2: only an unused bit differs
  EXPECT_TRUE(default_hasher().verify(v.password, with_padding_bits));
  // A used bit changed is a different hash.
  std::string changed = v.hash;
  changed.back() = 'C';  // index 4
  EXPECT_FALSE(default_hasher().verify(v.password, changed));
}

TEST(Verify, DisabledHashesNeverVerify) {
  for (const std::string hash : {"!", "!!", "!pbkdf2_sha256$1000$salt$key", "!x"}) {
    EXPECT_FALSE(default_hasher().verify("", hash));
    EXPECT_FALSE(default_hasher().verify("x", hash));
  }
  // "!" followed by a real, matching hash is still unusable.
  const auto cheap = make_hasher(cheap_options("pbkdf2_sha256"));
  EXPECT_FALSE(cheap->verify("pw", "!" + cheap->hash("pw")));
}

TEST(Verify, PasswordsOverPasslibsSizeLimitNeverVerify) {
  const auto cheap = make_hasher(cheap_options("pbkdf2_sha256"));
  const std::string at_limit(4096, 'a');
  const std::string over_limit(4097, 'a');
  EXPECT_TRUE(cheap->verify(at_limit, cheap->hash(at_limit)));
  EXPECT_FALSE(cheap->verify(over_limit, cheap->hash(over_limit)));
  // The limit counts characters, as Python's len() does: 4096 two-byte characters pass.
  std::string multibyte;
  for (int i = 0; i < 4096; ++i) multibyte += "\xc3\xa4";
  EXPECT_TRUE(cheap->verify(multibyte, cheap->hash(multibyte)));
}

TEST(Verify, IsSafeFromManyThreadsAtOnce) {
  const auto hasher = make_hasher(cheap_options("pbkdf2_sha256"));
  const std::string hash = hasher->hash("shared");
  std::atomic<int> right{0}, wrong_rejected{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        right += hasher->verify("shared", hash);
        wrong_rejected += !hasher->verify("Shared", hash);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(right.load(), 160);
  EXPECT_EQ(wrong_rejected.load(), 160);
}

// ---------------------------------------------------------------- malformed input

TEST(Malformed, NeverVerifiesAndNeverCrashes) {
  const std::string key44 = "mtup/0xIzXH6DpfOt6urgaou/Z58yUCVgEF452iEXRc=";
  const std::string bcrypt53 = "LCh0J7Ov712xYhWSPRvOZ.sP6W1VyNTuUBAPq35Z8VYCFVkaVOEg2";
  const std::string argon_tail = "$RkgJgfA+p9Raa631nhPC2A$bfeDjUfTMqt1yXo3WsM+og";
  const std::vector<std::string> inputs = {
      "",
      "$",
      "$$",
      "$$$",
      "$$$$$$$$",
      "pbkdf2_sha256",
      "pbkdf2_sha256$",
      "pbkdf2_sha256$$$",
      "pbkdf2_sha256$$ltW40pd6zMWy$" + key44,
      "pbkdf2_sha256$999999999999$ltW40pd6zMWy$" + key44,  // overflows 32 bits
      "pbkdf2_sha256$4294967295$ltW40pd6zMWy$" + key44,    // passlib's max: a DoS, refused
      "pbkdf2_sha256$10000001$ltW40pd6zMWy$" + key44,      // just over our cap
      "pbkdf2_sha256$0$ltW40pd6zMWy$" + key44,
      "pbkdf2_sha256$029000$ltW40pd6zMWy$" + key44,  // zero-padded rounds
      "pbkdf2_sha256$-29000$ltW40pd6zMWy$" + key44,
      "pbkdf2_sha256$+29000$ltW40pd6zMWy$" + key44,
      "pbkdf2_sha256$ 29000$ltW40pd6zMWy$" + key44,
      "pbkdf2_sha256$29000 $ltW40pd6zMWy$" + key44,
      "pbkdf2_sha256$2.9e4$ltW40pd6zMWy$" + key44,
      "pbkdf2_sha256$abc$ltW40pd6zMWy$" + key44,
      "pbkdf2_sha256$29000$$" + key44,      // empty salt
      "pbkdf2_sha256$29000$ltW40pd6zMWy$",  // empty key
      "pbkdf2_sha256$29000$ltW40pd6zMWy$!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",  // bad
                                                                                        // base64
      "pbkdf2_sha256$29000$ltW40pd6zMWy$" + key44.substr(0, 43),  // no padding
      "pbkdf2_sha256$29000$ltW40pd6zMWy$" + key44 + "=",
      "pbkdf2_sha256$29000$ltW40pd6zMWy$" + key44 + "$",
      "pbkdf2_sha256$29000$ltW40pd6zMWy$" + key44 + "$extra",
      "PBKDF2_SHA256$29000$ltW40pd6zMWy$" + key44,
      " pbkdf2_sha256$29000$ltW40pd6zMWy$" + key44,
      "pbkdf2_sha512$29000$ltW40pd6zMWy$" + key44,
      "pbkdf2_sha1$29000$ltW40pd6zMWy$" + key44,  // sha256-sized key under sha1
      "bcrypt",
      "bcrypt$",
      "bcrypt$$",
      "bcrypt$$2b$",
      "bcrypt$$2b$12$",
      "bcrypt$$2b$12$" + bcrypt53 + "x",
      "bcrypt$$2b$99$" + bcrypt53,
      "bcrypt$$2b$31$" + bcrypt53,
      "bcrypt$$2b$03$" + bcrypt53,
      "bcrypt$$2b$1a$" + bcrypt53,
      "bcrypt$$2x$12$" + bcrypt53,
      "bcrypt$$2$12$" + bcrypt53,
      "bcrypt$$3b$12$" + bcrypt53,
      "bcrypt$$2b$12$" + std::string(53, '!'),
      "bcrypt$2b$12$" + bcrypt53,  // missing Django's '$'
      "bcrypt_sha256$$2b$99$" + bcrypt53,
      "bcrypt_sha256$",
      "argon2",
      "argon2$",
      "argon2$argon2id",
      "argon2$argon2id$v=19$m=102400,t=2,p=8",
      "argon2$argon2id$v=19$m=102400,t=2,p=8$$",
      "argon2$argon2id$v=19$m=4294967295,t=2,p=8" + argon_tail,  // 4 TiB of memory: refused
      "argon2$argon2id$v=19$m=102400,t=4294967295,p=8" + argon_tail,
      "argon2$argon2id$v=19$m=102400,t=2,p=16777215" + argon_tail,
      "argon2$argon2id$v=19$m=102400,t=2,p=0" + argon_tail,
      "argon2$argon2id$v=19$m=0,t=2,p=8" + argon_tail,
      "argon2$argon2id$v=19$m=8,t=2,p=8" + argon_tail,
      "argon2$argon2id$v=19$t=2,m=102400,p=8" + argon_tail,
      "argon2$argon2id$v=19$m=102400,t=2" + argon_tail,
      "argon2$argon2id$v=19$m=102400,t=2,p=8,keyid=x" + argon_tail,
      "argon2$argon2id$v=20$m=102400,t=2,p=8" + argon_tail,
      "argon2$argon2x$v=19$m=102400,t=2,p=8" + argon_tail,
      "argon2$argon2id$v=19$m=512,t=2,p=2$!!!!$!!!!",
      "argon2$argon2id$v=19$m=512,t=2,p=2$YQ$YQ",  // salt and tag too short
      "argon2$argon2id$v=19$m=512,t=2,p=2$" + std::string(2000, 'A') + "$YWJjZGVmZ2g",
      "unknown$1$2$3",
      "md5$salt$hash",
      "sha1$salt$hash",
      "crypt$$abc",
      "unsalted_md5$5f4dcc3b5aa765d61d8327deb882cf99",
      std::string("pbkdf2_sha256$29000$ltW40pd6zMWy\0$", 34) + key44,
      std::string("\0\0\0\0", 4),
      "\xff\xfe\xfd$\x80$\x81$\x82",
      std::string(1 << 20, '$'),
      "pbkdf2_sha256$29000$" + std::string(1 << 20, 'a') + "$" + key44,
  };
  for (const auto& input : inputs) {
    EXPECT_FALSE(default_hasher().verify("", input)) << input.substr(0, 120);
    EXPECT_FALSE(default_hasher().verify("password123", input)) << input.substr(0, 120);
    EXPECT_TRUE(default_hasher().needs_rehash(input)) << input.substr(0, 120);
  }
}

// Mutations of real (cheap) hashes and random bytes: no crash, and random bytes never verify.
TEST(Malformed, FuzzedHashesNeverCrash) {
  const auto hasher = make_hasher(cheap_options("pbkdf2_sha256"));
  const std::vector<std::string> seeds = {
      make_hasher(cheap_options("pbkdf2_sha256"))->hash("pw"),
      make_hasher(cheap_options("pbkdf2_sha1"))->hash("pw"),
      make_hasher(cheap_options("bcrypt_sha256"))->hash("pw"),
      make_hasher(cheap_options("argon2"))->hash("pw"),
      "bcrypt$$2b$04$LCh0J7Ov712xYhWSPRvOZ.sP6W1VyNTuUBAPq35Z8VYCFVkaVOEg2",
  };
  std::mt19937 random(20240601);  // fixed seed: reproducible
  auto pick = [&](std::size_t bound) {
    return std::uniform_int_distribution<std::size_t>(0, bound - 1)(random);
  };
  for (int i = 0; i < 3000; ++i) {
    std::string mutated = seeds[pick(seeds.size())];
    // Keep everything up to the salt (scheme and costs) intact so that a mutation cannot make
    // one verify expensive; mutate the salt and key.
    const int dollars_before_salt = mutated.starts_with("pbkdf2_") ? 2 : 4;
    std::size_t protected_prefix = 0;
    for (int d = 0; d < dollars_before_salt; ++d)
      protected_prefix = mutated.find('$', protected_prefix) + 1;
    const std::size_t room = mutated.size() - protected_prefix;
    switch (pick(4)) {
      case 0:
        mutated.resize(protected_prefix + pick(room + 1));
        break;
      case 1:
        if (room > 0) mutated[protected_prefix + pick(room)] = static_cast<char>(pick(256));
        break;
      case 2:
        mutated.insert(protected_prefix + pick(room + 1), 1, "$=/+.\0A"[pick(7)]);
        break;
      default:
        if (room > 0) mutated.erase(protected_prefix + pick(room), 1);
        break;
    }
    (void)hasher->verify("pw", mutated);
    (void)hasher->needs_rehash(mutated);

    std::string noise(pick(120), '\0');
    for (char& c : noise) c = static_cast<char>(pick(256));
    const std::string prefixes[] = {"",
                                    "pbkdf2_sha256$",
                                    "pbkdf2_sha256$1000$",
                                    "bcrypt$$2b$04$",
                                    "bcrypt_sha256$$2b$04$",
                                    "argon2$argon2id$v=19$m=64,t=1,p=1$",
                                    "!"};
    const std::string input = prefixes[pick(std::size(prefixes))] + noise;
    EXPECT_FALSE(hasher->verify("pw", input)) << input;
  }
}

// ---------------------------------------------------------------- needs_rehash

TEST(NeedsRehash, Pbkdf2Sha256DefaultUpgradesOtherSchemesAndFewerRounds) {
  const auto& h = default_hasher();
  EXPECT_TRUE(h.needs_rehash(vector_by_id("pw1-0003").hash));   // pbkdf2_sha256, 29000 rounds
  EXPECT_TRUE(h.needs_rehash(vector_by_id("pw1-0023").hash));   // 260000 rounds
  EXPECT_FALSE(h.needs_rehash(vector_by_id("pw1-0061").hash));  // 600000 rounds
  EXPECT_FALSE(h.needs_rehash(vector_by_id("pw1-0063").hash));  // 870000 rounds
  EXPECT_FALSE(h.needs_rehash(vector_by_id("pw1-0065").hash));  // 1000000 rounds
  EXPECT_TRUE(h.needs_rehash(vector_by_id("pw1-0069").hash));   // pbkdf2_sha1
  EXPECT_TRUE(h.needs_rehash(vector_by_id("pw1-0099").hash));   // bcrypt
  EXPECT_TRUE(h.needs_rehash(vector_by_id("pw1-0139").hash));   // bcrypt_sha256
  EXPECT_TRUE(h.needs_rehash(vector_by_id("pw1-0205").hash));   // argon2id
  EXPECT_TRUE(h.needs_rehash("!unusable"));
  EXPECT_TRUE(h.needs_rehash("garbage"));
}

TEST(NeedsRehash, Argon2UpgradesArgon2iAndLowerCosts) {
  PasswordOptions options = cheap_options("argon2");
  options.argon2_time_cost = 2;
  options.argon2_memory_kib = 1024;  // small, so the hasher's dummy hash is cheap to make
  options.argon2_parallelism = 8;
  const auto h = make_hasher(options);
  const std::string tail = "$cmZXT1E3dUNQRThHbjlZRVV5MzZHSw$q/x8zWg8D0fepJ5LWFy2PQ";
  EXPECT_FALSE(h->needs_rehash("argon2$argon2id$v=19$m=1024,t=2,p=8" + tail));
  EXPECT_FALSE(h->needs_rehash("argon2$argon2id$v=19$m=102400,t=3,p=8" + tail));
  EXPECT_TRUE(h->needs_rehash("argon2$argon2id$v=19$m=512,t=2,p=8" + tail));
  EXPECT_TRUE(h->needs_rehash("argon2$argon2id$v=19$m=1024,t=1,p=8" + tail));
  EXPECT_TRUE(h->needs_rehash("argon2$argon2id$v=19$m=1024,t=2,p=4" + tail));
  EXPECT_TRUE(h->needs_rehash("argon2$argon2i$v=19$m=1024,t=2,p=8" + tail));
  EXPECT_TRUE(h->needs_rehash("argon2$argon2i$m=1024,t=2,p=8" + tail));  // legacy, no version
  EXPECT_TRUE(h->needs_rehash(vector_by_id("pw1-0197").hash));
  EXPECT_TRUE(h->needs_rehash(vector_by_id("pw1-0061").hash));  // pbkdf2
}

TEST(NeedsRehash, BcryptSha256UpgradesLowerCostAndPlainBcrypt) {
  PasswordOptions options = cheap_options("bcrypt_sha256");
  options.bcrypt_rounds = 5;
  const auto h = make_hasher(options);
  const std::string tail = "$3dzk0HKuKQw5SuBVMAutZ.5rgqTbnkaaw7IHoxs3pKswNhr33RsNa";
  EXPECT_FALSE(h->needs_rehash("bcrypt_sha256$$2b$05" + tail));
  EXPECT_FALSE(h->needs_rehash("bcrypt_sha256$$2b$12" + tail));
  EXPECT_TRUE(h->needs_rehash("bcrypt_sha256$$2b$04" + tail));
  EXPECT_TRUE(h->needs_rehash("bcrypt$$2b$12" + tail));
  EXPECT_FALSE(h->needs_rehash(h->hash("x")));
}

TEST(NeedsRehash, Pbkdf2Sha1ComparesRounds) {
  PasswordOptions options = cheap_options("pbkdf2_sha1");
  options.pbkdf2_rounds = 131000;
  const auto h = make_hasher(options);
  EXPECT_FALSE(h->needs_rehash(vector_by_id("pw1-0069").hash));  // 131000
  EXPECT_FALSE(h->needs_rehash(vector_by_id("pw1-0089").hash));  // 260000
  EXPECT_TRUE(h->needs_rehash(vector_by_id("pw1-0003").hash));   // pbkdf2_sha256
}

// ---------------------------------------------------------------- verify_dummy

TEST(VerifyDummy, RunsForEveryScheme) {
  for (const auto* scheme : {"pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt_sha256"}) {
    const auto h = make_hasher(cheap_options(scheme));
    h->verify_dummy("");
    h->verify_dummy("any password");
    h->verify_dummy(std::string(5000, 'x'));
  }
}

// ---------------------------------------------------------------- create()

TEST(Create, UnknownSchemeNamesItAndTheAcceptedOnes) {
  PasswordOptions options;
  options.scheme = "md5";
  const auto result = PasswordHasher::create(options);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(result.error().message.find("'md5'"), std::string::npos) << result.error().message;
  for (const auto* accepted : {"pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt_sha256"}) {
    EXPECT_NE(result.error().message.find(accepted), std::string::npos) << result.error().message;
  }
}

TEST(Create, PlainBcryptIsNotOfferedForNewHashes) {
  PasswordOptions options;
  options.scheme = "bcrypt";
  EXPECT_FALSE(PasswordHasher::create(options));
}

TEST(Create, OutOfRangeCostsAreRefusedNamingTheOption) {
  struct Case {
    const char* field;
    void (*apply)(PasswordOptions&);
  };
  const Case cases[] = {
      {"pbkdf2_rounds", [](PasswordOptions& o) { o.pbkdf2_rounds = 999; }},
      {"pbkdf2_rounds", [](PasswordOptions& o) { o.pbkdf2_rounds = crypto::kMaxPbkdf2Rounds + 1; }},
      {"argon2_time_cost", [](PasswordOptions& o) { o.argon2_time_cost = 0; }},
      {"argon2_parallelism", [](PasswordOptions& o) { o.argon2_parallelism = 0; }},
      {"argon2_memory_kib",
       [](PasswordOptions& o) { o.argon2_memory_kib = 63; }},  // < 8 KiB * 8 lanes
      {"argon2_memory_kib", [](PasswordOptions& o) { o.argon2_memory_kib = 4u << 20; }},
      {"bcrypt_rounds", [](PasswordOptions& o) { o.bcrypt_rounds = 3; }},
      {"bcrypt_rounds", [](PasswordOptions& o) { o.bcrypt_rounds = 31; }},
  };
  for (const auto& c : cases) {
    PasswordOptions options;
    c.apply(options);
    const auto result = PasswordHasher::create(options);
    ASSERT_FALSE(result) << c.field;
    EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(result.error().field, c.field);
    EXPECT_NE(result.error().message.find(c.field), std::string::npos) << result.error().message;
  }
}

TEST(Create, LowestAcceptedCostsWork) {
  EXPECT_TRUE(PasswordHasher::create(cheap_options("pbkdf2_sha256")));
}

}  // namespace
}  // namespace mango
