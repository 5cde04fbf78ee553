// Password hashing in Django's formats, as Mango-JWT's passlib CryptContext reads and writes them.
// A registry keyed by the text before the first '$' (Django's algorithm name).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "mango/error.hpp"

namespace mango {

struct PasswordOptions {
  std::string scheme = "pbkdf2_sha256";  // scheme for new hashes: pbkdf2_sha256 | pbkdf2_sha1 | argon2 | bcrypt_sha256
  std::uint32_t pbkdf2_rounds = 600000;
  // argon2id costs (Django's defaults) and bcrypt cost, used when that scheme is chosen
  std::uint32_t argon2_time_cost = 2;
  std::uint32_t argon2_memory_kib = 102400;
  std::uint32_t argon2_parallelism = 8;
  std::uint32_t bcrypt_rounds = 12;
};

// Thread-safe: every method is const and keeps no mutable state.
class PasswordHasher {
 public:
  virtual ~PasswordHasher() = default;

  // A new hash of `password` in the configured scheme, e.g.
  // pbkdf2_sha256$600000$<12-char salt>$<base64 key>. The password is taken as bytes, unaltered.
  virtual std::string hash(std::string_view password) const = 0;

  // True when `encoded` is a hash of `password` in any supported scheme. Unknown or malformed
  // hashes, and Django's unusable "!..." hashes, never verify. Constant-time comparison.
  virtual bool verify(std::string_view password, std::string_view encoded) const = 0;

  // True when `encoded` is weaker than what hash() would write now (other scheme, fewer rounds):
  // the caller replaces it after a successful verify.
  virtual bool needs_rehash(std::string_view encoded) const = 0;

  // Does the work of one verify against a hash in the configured scheme, for a user that does
  // not exist, so that an unknown username costs the same time as a wrong password.
  virtual void verify_dummy(std::string_view password) const = 0;

  // invalid_argument when the options are out of range or name an unknown scheme.
  static Result<std::unique_ptr<PasswordHasher>> create(const PasswordOptions& options);
};

}  // namespace mango
