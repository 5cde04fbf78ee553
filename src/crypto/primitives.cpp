// OpenSSL-backed primitives. See primitives.hpp for the contract of each function.
#include "primitives.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace mango::crypto {
namespace {

constexpr char kStandardAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrlAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::uint8_t kNotBase64 = 0xFF;

// Maps a character to its 6-bit value. `url` selects '-_' as well as '+/' (PyJWT accepts both).
constexpr std::array<std::uint8_t, 256> make_decode_table(bool url) {
  std::array<std::uint8_t, 256> table{};
  for (auto& entry : table) entry = kNotBase64;
  for (std::uint8_t i = 0; i < 64; ++i) {
    table[static_cast<unsigned char>(kStandardAlphabet[i])] = i;
    if (url) table[static_cast<unsigned char>(kUrlAlphabet[i])] = i;
  }
  return table;
}

constexpr auto kStandardDecode = make_decode_table(false);
constexpr auto kLenientUrlDecode = make_decode_table(true);

std::string encode_base64(std::string_view bytes, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group = (std::uint32_t(std::uint8_t(bytes[i])) << 16) |
                                (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8) |
                                std::uint32_t(std::uint8_t(bytes[i + 2]));
    out.push_back(alphabet[(group >> 18) & 63]);
    out.push_back(alphabet[(group >> 12) & 63]);
    out.push_back(alphabet[(group >> 6) & 63]);
    out.push_back(alphabet[group & 63]);
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t group = std::uint32_t(std::uint8_t(bytes[i])) << 16;
    out.push_back(alphabet[(group >> 18) & 63]);
    out.push_back(alphabet[(group >> 12) & 63]);
    if (pad) out.append("==");
  } else if (rest == 2) {
    const std::uint32_t group = (std::uint32_t(std::uint8_t(bytes[i])) << 16) |
                                (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8);
    out.push_back(alphabet[(group >> 18) & 63]);
    out.push_back(alphabet[(group >> 12) & 63]);
    out.push_back(alphabet[(group >> 6) & 63]);
    if (pad) out.push_back('=');
  }
  return out;
}

// Decodes unpadded base64 data characters. A length of 1 mod 4 cannot come from any input.
// `canonical` additionally requires the unused low bits of the last character to be zero.
std::optional<std::string> decode_unpadded(std::string_view text,
                                           const std::array<std::uint8_t, 256>& table,
                                           bool canonical) {
  if (text.size() % 4 == 1) return std::nullopt;
  // Sized up front and written through a pointer: per-byte push_back dominated token checks.
  std::string out(text.size() * 3 / 4, '\0');
  char* next = out.data();
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (const char c : text) {
    const std::uint8_t value = table[static_cast<unsigned char>(c)];
    if (value == kNotBase64) return std::nullopt;
    accumulator = (accumulator << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      *next++ = static_cast<char>((accumulator >> bits) & 0xFF);
    }
  }
  if (canonical && bits > 0 && (accumulator & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace

std::string random_bytes(std::size_t count) {
  std::string out(count, '\0');
  if (count == 0) return out;
  // RAND_bytes takes an int length; fill in chunks so any size_t works.
  std::size_t offset = 0;
  while (offset < count) {
    const std::size_t chunk = std::min<std::size_t>(count - offset, 1u << 30);
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data() + offset),
                   static_cast<int>(chunk)) != 1) {
      // Continuing without randomness would mint predictable salts and ids.
      std::fputs("mango: the OpenSSL CSPRNG failed; aborting\n", stderr);
      std::abort();
    }
    offset += chunk;
  }
  return out;
}

std::string random_string(std::size_t length, std::string_view alphabet) {
  std::string out;
  if (length == 0 || alphabet.empty()) return out;
  out.reserve(length);
  const std::size_t size = std::min<std::size_t>(alphabet.size(), 256);
  // Bytes at or above `limit` would favour the first characters; drop them.
  const std::size_t limit = 256 - (256 % size);
  while (out.size() < length) {
    const std::string pool = random_bytes(length - out.size() + 16);
    for (const char byte : pool) {
      const auto value = static_cast<std::uint8_t>(byte);
      if (value >= limit) continue;
      out.push_back(alphabet[value % size]);
      if (out.size() == length) break;
    }
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string sha256(std::string_view data) {
  std::string out(32, '\0');
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &length,
                 EVP_sha256(), nullptr) != 1 ||
      length != 32) {
    std::fputs("mango: OpenSSL SHA-256 failed; aborting\n", stderr);
    std::abort();
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  std::string out(32, '\0');
  unsigned int length = 0;
  // HMAC() treats a null key pointer specially; give it a valid pointer for an empty key.
  static const unsigned char empty_key = 0;
  const void* key_pointer = key.empty() ? static_cast<const void*>(&empty_key) : key.data();
  if (key.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      HMAC(EVP_sha256(), key_pointer, static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(),
           reinterpret_cast<unsigned char*>(out.data()), &length) == nullptr ||
      length != 32) {
    std::fputs("mango: OpenSSL HMAC-SHA256 failed; aborting\n", stderr);
    std::abort();
  }
  return out;
}

std::string base64_encode(std::string_view bytes) {
  return encode_base64(bytes, kStandardAlphabet, true);
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && padding < text.size() && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  const std::string_view data = text.substr(0, text.size() - padding);
  // Three '=' or a lone data character in the last group can never be valid.
  if (!data.empty() && data.back() == '=') return std::nullopt;
  return decode_unpadded(data, kStandardDecode, true);
}

std::string base64url_encode(std::string_view bytes) {
  return encode_base64(bytes, kUrlAlphabet, false);
}

std::optional<std::string> base64url_decode(std::string_view text) {
  // Python's decoder (which PyJWT uses) tolerates any trailing '=' and non-zero unused bits.
  std::size_t end = text.size();
  while (end > 0 && text[end - 1] == '=') --end;
  return decode_unpadded(text.substr(0, end), kLenientUrlDecode, false);
}

std::string hex_encode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto value = static_cast<std::uint8_t>(c);
    out.push_back(kDigits[value >> 4]);
    out.push_back(kDigits[value & 15]);
  }
  return out;
}

}  // namespace mango::crypto
