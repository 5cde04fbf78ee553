// Tests of the OpenSSL-backed primitives against published vectors.
#include "primitives.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace mango::crypto {
namespace {

std::string repeat(char byte, std::size_t count) { return std::string(count, byte); }

struct HmacVector {
  const char* name;
  std::string key;
  std::string data;
  const char* expected_hex;
};

// RFC 4231 section 4, HMAC-SHA-256 outputs.
TEST(HmacSha256, MatchesRfc4231Vectors) {
  std::string key_1_to_25;
  for (int i = 1; i <= 25; ++i) key_1_to_25.push_back(static_cast<char>(i));
  const HmacVector vectors[] = {
      {"4.2", repeat('\x0b', 20), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"4.3", "Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"4.4", repeat('\xaa', 20), repeat('\xdd', 50),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {"4.5", key_1_to_25, repeat('\xcd', 50),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {"4.7", repeat('\xaa', 131), "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {"4.8", repeat('\xaa', 131),
       "This is a test using a larger than block-size key and a larger than block-size data. "
       "The key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (const auto& vector : vectors) {
    EXPECT_EQ(hex_encode(hmac_sha256(vector.key, vector.data)), vector.expected_hex)
        << "RFC 4231 test case " << vector.name;
  }
}

TEST(HmacSha256, TruncatedRfc4231Case6) {
  // Test case 4.6 publishes only the first 128 bits.
  const std::string mac = hmac_sha256(repeat('\x0c', 20), "Test With Truncation");
  EXPECT_EQ(hex_encode(mac.substr(0, 16)), "a3b6167473100ee06e0c796c2955552b");
}

TEST(HmacSha256, EmptyKeyAndData) {
  // Python: hmac.new(b"", b"", hashlib.sha256).hexdigest()
  EXPECT_EQ(hex_encode(hmac_sha256("", "")),
            "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(Sha256, MatchesFips180Vectors) {
  EXPECT_EQ(hex_encode(sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex_encode(sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(HexEncode, Lowercase) {
  EXPECT_EQ(hex_encode(std::string("\x00\x0f\xa0\xff", 4)), "000fa0ff");
  EXPECT_EQ(hex_encode(""), "");
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_TRUE(constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

// RFC 4648 section 10.
TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("\xfb\xff"), "+/8=");
}

TEST(Base64, RoundTripsEveryByteAndLength) {
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  for (std::size_t length = 0; length <= all_bytes.size(); ++length) {
    const std::string input = all_bytes.substr(0, length);
    EXPECT_EQ(base64_decode(base64_encode(input)), input) << "length " << length;
    EXPECT_EQ(base64url_decode(base64url_encode(input)), input) << "length " << length;
  }
}

TEST(Base64, StrictDecodeRejectsInvalidInput) {
  EXPECT_EQ(base64_decode(""), std::string());
  EXPECT_EQ(base64_decode("Zm9vYg=="), "foob");
  EXPECT_EQ(base64_decode("+/8="), "\xfb\xff");
  EXPECT_FALSE(base64_decode("Zm9vYg"));      // padding required
  EXPECT_FALSE(base64_decode("Zm9vYg="));     // wrong amount of padding
  EXPECT_FALSE(base64_decode("Zm9v=Yg="));    // padding in the middle
  EXPECT_FALSE(base64_decode("Zg=a"));        // data after padding
  EXPECT_FALSE(base64_decode("Z==="));        // a lone data character
  EXPECT_FALSE(base64_decode("===="));
  EXPECT_FALSE(base64_decode("-_8="));        // url alphabet is not standard base64
  EXPECT_FALSE(base64_decode("Zm9v Yg=="));   // whitespace
  EXPECT_FALSE(base64_decode("Zm9vYg==\n"));
  EXPECT_FALSE(base64_decode("Zh=="));        // non-zero unused bits
  EXPECT_FALSE(base64_decode(std::string("Zm9v\0\0\0\0", 8)));
}

TEST(Base64Url, EncodesWithoutPadding) {
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode(R"({"typ":"JWT","alg":"HS256"})"),
            "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9");
}

TEST(Base64Url, DecodeIsLenientLikePyJwt) {
  EXPECT_EQ(base64url_decode("-_8"), "\xfb\xff");
  EXPECT_EQ(base64url_decode("+/8"), "\xfb\xff");    // standard alphabet
  EXPECT_EQ(base64url_decode("-_8="), "\xfb\xff");   // optional padding
  EXPECT_EQ(base64url_decode("Zm9vYg=="), "foob");
  EXPECT_EQ(base64url_decode("Zh"), "f");            // non-zero unused bits, as Python accepts
  EXPECT_EQ(base64url_decode(""), std::string());
}

TEST(Base64Url, DecodeRejectsInvalidInput) {
  EXPECT_FALSE(base64url_decode("Z"));          // 1 mod 4 characters
  EXPECT_FALSE(base64url_decode("Zm9vY"));
  EXPECT_FALSE(base64url_decode("Zm9v Yg"));    // whitespace
  EXPECT_FALSE(base64url_decode(" Zm9vYg"));
  EXPECT_FALSE(base64url_decode("Zm9vYg\n"));
  EXPECT_FALSE(base64url_decode("Zm.9"));
  EXPECT_FALSE(base64url_decode("Zm=9"));       // padding in the middle
  EXPECT_FALSE(base64url_decode(std::string("Zm9\0", 4)));
}

TEST(RandomBytes, HasRequestedLengthAndVaries) {
  EXPECT_EQ(random_bytes(0).size(), 0u);
  EXPECT_EQ(random_bytes(1).size(), 1u);
  const std::string first = random_bytes(32);
  const std::string second = random_bytes(32);
  EXPECT_EQ(first.size(), 32u);
  EXPECT_NE(first, second);  // 2^-256 chance of a false failure
}

TEST(RandomString, UsesOnlyTheAlphabetAndCoversIt) {
  const std::string alphabet = "abc";
  const std::string drawn = random_string(3000, alphabet);
  ASSERT_EQ(drawn.size(), 3000u);
  const std::set<char> seen(drawn.begin(), drawn.end());
  EXPECT_EQ(seen, std::set<char>({'a', 'b', 'c'}));
  EXPECT_EQ(random_string(0, alphabet), "");
  EXPECT_EQ(random_string(12, "x"), "xxxxxxxxxxxx");
}

}  // namespace
}  // namespace mango::crypto
