// Internal: one Django password-hash format ("scheme"), keyed by the text before the first '$'.
// PasswordHasher (password_hasher.cpp) keeps a registry of these.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mango::crypto {

// Any stored hash longer than this is not one we (or Django) wrote: reject it before parsing.
inline constexpr std::size_t kMaxEncodedHashLength = 1024;

// Verify caps on costs read from a stored hash. A hash with an absurd cost would let whoever
// can write the database (or a bug) make one login burn minutes of CPU or gigabytes of RAM.
// Passlib accepts more (pbkdf2 up to 2^32-1 rounds, bcrypt cost 31): such hashes never verify here.
inline constexpr std::uint32_t kMaxPbkdf2Rounds = 10'000'000;
inline constexpr std::uint32_t kMinPbkdf2Rounds = 1;
inline constexpr std::uint32_t kMaxBcryptCost = 18;
inline constexpr std::uint32_t kMinBcryptCost = 4;
inline constexpr std::uint32_t kMaxArgon2TimeCost = 64;
inline constexpr std::uint32_t kMaxArgon2MemoryKib = 1u << 20;  // 1 GiB
inline constexpr std::uint32_t kMaxArgon2Parallelism = 64;

class PasswordScheme {
 public:
  virtual ~PasswordScheme() = default;

  // Django's algorithm name, the text before the first '$' of the hashes this scheme reads.
  virtual std::string_view algorithm() const = 0;

  // True when `encoded` (the whole stored string, prefix included) is a hash of `password`.
  // Malformed input returns false; never throws.
  virtual bool verify(std::string_view password, std::string_view encoded) const = 0;

  // A new hash at the scheme's configured cost.
  virtual std::string hash(std::string_view password) const = 0;

  // True when `encoded` (of this scheme) has a lower cost than the configured one, or cannot
  // be parsed.
  virtual bool is_weaker(std::string_view encoded) const = 0;
};

// Costs are assumed validated by the caller (PasswordHasher::create).
std::unique_ptr<PasswordScheme> make_pbkdf2_sha256_scheme(std::uint32_t rounds);
std::unique_ptr<PasswordScheme> make_pbkdf2_sha1_scheme(std::uint32_t rounds);
std::unique_ptr<PasswordScheme> make_bcrypt_scheme(std::uint32_t cost);
std::unique_ptr<PasswordScheme> make_bcrypt_sha256_scheme(std::uint32_t cost);
std::unique_ptr<PasswordScheme> make_argon2_scheme(std::uint32_t time_cost,
                                                   std::uint32_t memory_kib,
                                                   std::uint32_t parallelism);

// Splits `text` on every '$' (empty parts kept).
std::vector<std::string_view> split_dollar(std::string_view text);

// A decimal number made of ASCII digits only, without sign, spaces or leading zeros, at most
// `max`; nullopt otherwise.
std::optional<std::uint32_t> parse_decimal(std::string_view text, std::uint32_t max);

}  // namespace mango::crypto
