// Fuzz target: token parsing and verification (mango::token_from_authorization and
// mango::TokenService::verify), on Authorization header values and on tokens we sign ourselves.
//
// Input: byte 0 picks the mode, the rest is text.
//   mode & 3 == 0 or 3: the rest is an Authorization header value, verified as a client sends it
//                  (random tokens almost never carry a valid signature: this fuzzes splitting,
//                  base64url and header checks);
//   mode & 3 == 1: the rest is "<header JSON>\n<payload JSON>", signed with the service's key,
//                  so the claim checks behind the signature are reached too;
//   mode & 3 == 2: the rest is a user id: issue() then verify() must give it back.
// Bit 0x80 of byte 0 gives the service 60 s of leeway.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mango/token.hpp"

namespace {

constexpr std::string_view kSecret = "fuzz-secret-0123456789abcdef-0123456789abcdef";
constexpr std::int64_t kNow = 1'700'000'000;

std::string base64url(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8) |
                            std::uint8_t(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  if (i + 1 == bytes.size()) {
    const std::uint32_t v = std::uint8_t(bytes[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (i + 2 == bytes.size()) {
    const std::uint32_t v = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::string sign(std::string_view signing_input) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
       &size);
  return base64url(std::string_view(reinterpret_cast<const char*>(mac), size));
}

const mango::TokenService& service(bool leeway) {
  // Designated initializers: TokenOptions may grow fields; their defaults are what we fuzz.
  static const mango::TokenService strict(mango::TokenOptions{
      .secret = std::string(kSecret),
      .lifetime = std::chrono::seconds(3600),
      .leeway = std::chrono::seconds(0),
      .now = [] { return kNow; }});
  static const mango::TokenService lenient(mango::TokenOptions{
      .secret = std::string(kSecret),
      .lifetime = std::chrono::seconds(3600),
      .leeway = std::chrono::seconds(60),
      .now = [] { return kNow; }});
  return leeway ? lenient : strict;
}

// What verify promises whenever it accepts a token.
void check_accepted(const std::expected<mango::TokenClaims, mango::TokenFailure>& result) {
  if (result && result->user_id.empty()) std::abort();  // an accepted token names a user
  if (!result && mango::describe(result.error()) == nullptr) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto& tokens = service((mode & 0x80) != 0);

  switch (mode & 3) {
    default: {  // 0 and 3
      const std::string_view token = mango::token_from_authorization(text);
      // The token is a piece of the header value, never something made up.
      if (!token.empty() &&
          (token.data() < text.data() || token.data() + token.size() > text.data() + text.size()))
        std::abort();
      check_accepted(tokens.verify(token));
      break;
    }
    case 1: {
      const std::size_t newline = text.find('\n');
      const std::string_view header = text.substr(0, newline);
      const std::string_view payload =
          newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
      const std::string signing_input = base64url(header) + "." + base64url(payload);
      const std::string token = signing_input + "." + sign(signing_input);
      check_accepted(tokens.verify(token));
      check_accepted(tokens.verify(mango::token_from_authorization("Bearer " + token)));
      // A changed signature must never verify. (The first character carries only signature
      // bits; the last one of a 32-byte signature also carries unused bits.)
      std::string forged = token;
      char& first = forged[signing_input.size() + 1];
      first = first == 'A' ? 'B' : 'A';
      if (tokens.verify(forged)) std::abort();
      break;
    }
    case 2: {
      const std::string issued = tokens.issue(text);
      const auto verified = tokens.verify(issued);
      // A non-empty id always comes back; invalid UTF-8 is replaced by U+FFFD, not refused.
      if (!text.empty() && !verified) std::abort();
      if (verified && verified->expires_at != kNow + 3600) std::abort();
      break;
    }
  }
  return 0;
}
