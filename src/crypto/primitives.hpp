// The project's one door to OpenSSL for small primitives: randomness, HMAC, digests, base64,
// constant-time comparison. Everything else in src/crypto builds on these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mango::crypto {

// `count` bytes from the OS CSPRNG (OpenSSL RAND_bytes). Aborts if the CSPRNG fails.
std::string random_bytes(std::size_t count);

// `length` characters drawn uniformly (rejection sampling) from `alphabet`.
std::string random_string(std::size_t length, std::string_view alphabet);

// True when a == b, in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

std::string sha256(std::string_view data);                            // 32 raw bytes
std::string hmac_sha256(std::string_view key, std::string_view data);  // 32 raw bytes

// Standard base64 (RFC 4648 section 4) with padding.
std::string base64_encode(std::string_view bytes);
// Strict standard base64 decoding (padding required); nullopt on any invalid input.
std::optional<std::string> base64_decode(std::string_view text);

// base64url without padding (RFC 7515 section 2).
std::string base64url_encode(std::string_view bytes);
// Lenient like PyJWT: accepts '-_' or '+/' and optional '=' padding; nullopt when invalid.
std::optional<std::string> base64url_decode(std::string_view text);

std::string hex_encode(std::string_view bytes);  // lowercase

}  // namespace mango::crypto
