// Internal: PBKDF2-HMAC-SHA256/SHA1 (RFC 8018) tuned for password hashing, and Django's
// pbkdf2_<digest>$<rounds>$<salt>$<base64 key> format.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace mango::crypto {

enum class Pbkdf2Digest { sha256, sha1 };

// fastest: SHA-256 on the CPU's SHA extensions where it has them; portable: OpenSSL's block
// functions always (what other CPUs get; tests compare the two).
enum class Pbkdf2Engine { fastest, portable };

// Fills `out` with PBKDF2-HMAC-<digest>(password, salt, rounds). Bit-identical to OpenSSL's
// PKCS5_PBKDF2_HMAC, but each iteration is two raw compressions of pre-padded blocks (HMAC pad
// states computed once), without EVP dispatch or allocation.
// False (out untouched) when rounds is 0.
bool pbkdf2_hmac(Pbkdf2Digest digest, std::string_view password, std::string_view salt,
                 std::uint32_t rounds, std::span<unsigned char> out,
                 Pbkdf2Engine engine = Pbkdf2Engine::fastest);

// Django's encoding: "<algorithm>$<rounds>$<salt>$<standard base64 of a digest-sized key>".
// `salt` must not contain '$' and rounds must be at least 1.
std::string encode_django_pbkdf2(Pbkdf2Digest digest, std::string_view password,
                                 std::string_view salt, std::uint32_t rounds);

}  // namespace mango::crypto
