// PasswordHasher: Django's hasher registry. Stored hashes are dispatched on the text before the
// first '$'; new hashes use the configured scheme (Django's "first hasher").
#include <algorithm>
#include <array>
#include <vector>

#include "mango/password.hpp"
#include "password_scheme.hpp"
#include "primitives.hpp"

namespace mango {
namespace {

// passlib refuses (raises on) secrets longer than this many characters (MAX_PASSWORD_SIZE),
// which Mango-JWT's CryptContext.verify turns into "not verified".
constexpr std::size_t kMaxPasswordCharacters = 4096;

constexpr std::uint32_t kMinPbkdf2RoundsForNewHashes = 1000;

// Schemes offered for new hashes. Plain bcrypt is verify-only: it truncates at 72 bytes.
constexpr std::array<std::string_view, 4> kNewHashSchemes = {"pbkdf2_sha256", "pbkdf2_sha1",
                                                             "argon2", "bcrypt_sha256"};

// Code points of UTF-8 text (what passlib's len() counts): bytes that start a character.
std::size_t count_characters(std::string_view utf8) {
  std::size_t count = 0;
  for (const char c : utf8) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

bool password_too_long(std::string_view password) {
  // Cheap byte test first: fewer bytes than the limit cannot be more characters.
  return password.size() > kMaxPasswordCharacters &&
         count_characters(password) > kMaxPasswordCharacters;
}

std::string accepted_schemes() {
  std::string list;
  for (const auto name : kNewHashSchemes) {
    if (!list.empty()) list += ", ";
    list += name;
  }
  return list;
}

Result<void> check_range(const char* field, std::uint32_t value, std::uint32_t min,
                         std::uint32_t max) {
  if (value >= min && value <= max) return {};
  return fail(ErrorCode::invalid_argument,
              std::string("password option ") + field + " must be between " + std::to_string(min) +
                  " and " + std::to_string(max) + ", got " + std::to_string(value),
              field);
}

Result<void> validate(const PasswordOptions& options) {
  bool known = false;
  for (const auto name : kNewHashSchemes) known = known || name == options.scheme;
  if (!known) {
    return fail(ErrorCode::invalid_argument,
                "unknown password scheme '" + options.scheme + "'; accepted: " + accepted_schemes(),
                "scheme");
  }
  // Every cost is checked, chosen scheme or not, so a mistake surfaces before it matters.
  // New hashes must stay within what verify() accepts, or they would never verify.
  Result<void> checks[] = {
      check_range("pbkdf2_rounds", options.pbkdf2_rounds, kMinPbkdf2RoundsForNewHashes,
                  crypto::kMaxPbkdf2Rounds),
      check_range("argon2_time_cost", options.argon2_time_cost, 1, crypto::kMaxArgon2TimeCost),
      check_range("argon2_parallelism", options.argon2_parallelism, 1,
                  crypto::kMaxArgon2Parallelism),
      // libargon2 needs at least 8 KiB per lane.
      check_range("argon2_memory_kib", options.argon2_memory_kib,
                  8 * std::max<std::uint32_t>(options.argon2_parallelism, 1),
                  crypto::kMaxArgon2MemoryKib),
      check_range("bcrypt_rounds", options.bcrypt_rounds, crypto::kMinBcryptCost,
                  crypto::kMaxBcryptCost),
  };
  for (auto& check : checks) {
    if (!check) return check;
  }
  return {};
}

class RegistryPasswordHasher final : public PasswordHasher {
 public:
  explicit RegistryPasswordHasher(const PasswordOptions& options) {
    schemes_.push_back(crypto::make_pbkdf2_sha256_scheme(options.pbkdf2_rounds));
    schemes_.push_back(crypto::make_pbkdf2_sha1_scheme(options.pbkdf2_rounds));
    schemes_.push_back(crypto::make_bcrypt_scheme(options.bcrypt_rounds));
    schemes_.push_back(crypto::make_bcrypt_sha256_scheme(options.bcrypt_rounds));
    schemes_.push_back(crypto::make_argon2_scheme(
        options.argon2_time_cost, options.argon2_memory_kib, options.argon2_parallelism));
    preferred_ = find(options.scheme);
    // A real hash of a password nobody knows: verify_dummy does exactly a verify against it.
    dummy_hash_ = preferred_->hash(crypto::random_bytes(16));
  }

  std::string hash(std::string_view password) const override { return preferred_->hash(password); }

  bool verify(std::string_view password, std::string_view encoded) const override {
    // Django's unusable passwords ("!" + random) never verify, whatever follows.
    if (encoded.empty() || encoded.front() == '!') return false;
    if (encoded.size() > crypto::kMaxEncodedHashLength || password_too_long(password)) return false;
    const auto dollar = encoded.find('$');
    if (dollar == std::string_view::npos) return false;
    const crypto::PasswordScheme* scheme = find(encoded.substr(0, dollar));
    return scheme != nullptr && scheme->verify(password, encoded);
  }

  bool needs_rehash(std::string_view encoded) const override {
    const auto dollar = encoded.find('$');
    if (dollar == std::string_view::npos || encoded.substr(0, dollar) != preferred_->algorithm()) {
      return true;
    }
    return preferred_->is_weaker(encoded);
  }

  void verify_dummy(std::string_view password) const override {
    // Same early exit as verify(), so both paths cost the same for an over-long password too.
    if (password_too_long(password)) return;
    (void)preferred_->verify(password, dummy_hash_);
  }

 private:
  const crypto::PasswordScheme* find(std::string_view algorithm) const {
    for (const auto& scheme : schemes_) {
      if (scheme->algorithm() == algorithm) return scheme.get();
    }
    return nullptr;
  }

  std::vector<std::unique_ptr<crypto::PasswordScheme>> schemes_;
  const crypto::PasswordScheme* preferred_ = nullptr;
  std::string dummy_hash_;
};

}  // namespace

Result<std::unique_ptr<PasswordHasher>> PasswordHasher::create(const PasswordOptions& options) {
  if (auto valid = validate(options); !valid) return std::unexpected(valid.error());
  return std::unique_ptr<PasswordHasher>(std::make_unique<RegistryPasswordHasher>(options));
}

}  // namespace mango
