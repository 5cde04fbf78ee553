// Internal: Django's argon2id encoding with a given salt, so tests can reproduce stored hashes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mango::crypto {

// "argon2$argon2id$v=19$m=<memory_kib>,t=<time_cost>,p=<parallelism>$<salt b64>$<16-byte tag b64>",
// as Django's Argon2PasswordHasher writes it; nullopt when libargon2 refuses the parameters
// (salt shorter than 8 bytes, too little memory for the lanes, out of memory).
std::optional<std::string> encode_django_argon2id(std::string_view password, std::string_view salt,
                                                  std::uint32_t time_cost, std::uint32_t memory_kib,
                                                  std::uint32_t parallelism);

}  // namespace mango::crypto
