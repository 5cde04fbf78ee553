// Django's bcrypt ("bcrypt$<$2b$ hash>") and bcrypt_sha256 ("bcrypt_sha256$<bcrypt of the
// lowercase hex SHA-256 of the password>") schemes, on libxcrypt's bcrypt.
#include <crypt.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

#include "password_scheme.hpp"
#include "primitives.hpp"

namespace mango::crypto {
namespace {

constexpr std::size_t kBcryptHashLength = 60;   // "$2b$12$" + 22 salt + 31 checksum
constexpr std::size_t kBcryptSaltEnd = 7 + 22;  // index just past the salt
constexpr std::size_t kBcryptMaxPassword = 72;  // bcrypt ignores every byte after these
constexpr std::string_view kBcryptAlphabet =
    "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// The parts of a "$2a$/$2b$/$2y$<cost>$<53 chars>" bcrypt hash that we check before hashing.
struct BcryptHash {
  std::uint32_t cost;
};

std::optional<BcryptHash> parse_bcrypt(std::string_view hash) {
  if (hash.size() != kBcryptHashLength) return std::nullopt;
  if (hash[0] != '$' || hash[1] != '2' || hash[3] != '$' || hash[6] != '$') return std::nullopt;
  // $2x$ (the old sign-extension bug) is not something passlib or Django accept either.
  if (hash[2] != 'a' && hash[2] != 'b' && hash[2] != 'y') return std::nullopt;
  if (hash[4] < '0' || hash[4] > '9' || hash[5] < '0' || hash[5] > '9') return std::nullopt;
  const std::uint32_t cost = std::uint32_t(hash[4] - '0') * 10 + std::uint32_t(hash[5] - '0');
  if (cost < kMinBcryptCost || cost > kMaxBcryptCost) return std::nullopt;
  for (std::size_t i = 7; i < hash.size(); ++i) {
    if (kBcryptAlphabet.find(hash[i]) == std::string_view::npos) return std::nullopt;
  }
  return BcryptHash{cost};
}

// Clears the unused low bits of `c` (a bcrypt base64 character). The salt's last character
// carries 4 unused bits and the checksum's last 2; libxcrypt always writes them as zero, while
// passlib repairs non-zero ones and still verifies. Masking both sides makes us agree.
char canonical_bcrypt_char(char c, unsigned unused_bits) {
  const auto position = kBcryptAlphabet.find(c);
  return kBcryptAlphabet[position & ~((1u << unused_bits) - 1)];
}

std::string canonical_bcrypt(std::string_view hash) {
  std::string canonical(hash);
  canonical[kBcryptSaltEnd - 1] = canonical_bcrypt_char(canonical[kBcryptSaltEnd - 1], 4);
  canonical[kBcryptHashLength - 1] = canonical_bcrypt_char(canonical[kBcryptHashLength - 1], 2);
  return canonical;
}

// crypt_rn's scratch area: 32 KiB, so on the heap rather than on a worker thread's stack.
struct CryptScratch {
  struct crypt_data data {};
  ~CryptScratch() { OPENSSL_cleanse(&data, sizeof data); }
};

// bcrypt(phrase, setting) via libxcrypt; nullopt when libxcrypt refuses. `phrase` must not
// contain NUL bytes; only its first 72 bytes matter.
std::optional<std::string> run_bcrypt(std::string_view phrase, std::string_view setting) {
  auto scratch = std::make_unique<CryptScratch>();
  auto& data = scratch->data;
  phrase = phrase.substr(0, kBcryptMaxPassword);
  if (setting.size() >= sizeof data.setting) return std::nullopt;
  std::memcpy(data.input, phrase.data(), phrase.size());
  data.input[phrase.size()] = '\0';
  std::memcpy(data.setting, setting.data(), setting.size());
  data.setting[setting.size()] = '\0';
  const char* result = crypt_rn(data.input, data.setting, &data, sizeof data);
  if (result == nullptr || result[0] == '*') return std::nullopt;
  return std::string(result);
}

bool verify_bcrypt(std::string_view phrase, std::string_view stored) {
  if (!parse_bcrypt(stored)) return false;
  const auto computed = run_bcrypt(phrase, stored.substr(0, kBcryptSaltEnd));
  return computed && constant_time_equal(*computed, canonical_bcrypt(stored));
}

std::string new_bcrypt(std::string_view phrase, std::uint32_t cost) {
  const std::string random = random_bytes(16);
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  const char* made = crypt_gensalt_rn("$2b$", cost, random.data(), static_cast<int>(random.size()),
                                      setting, sizeof setting);
  std::optional<std::string> hash;
  if (made != nullptr) hash = run_bcrypt(phrase, made);
  if (!hash) {
    // Costs were validated at creation, so only a broken libxcrypt gets here; storing an
    // unusable hash silently would lock the new user out.
    std::fputs("mango: libxcrypt bcrypt failed; aborting\n", stderr);
    std::abort();
  }
  return *hash;
}

// The bcrypt hash after "<algorithm>$", or empty when the prefix is not there.
std::string_view after_prefix(std::string_view encoded, std::string_view algorithm) {
  if (encoded.size() <= algorithm.size() || !encoded.starts_with(algorithm) ||
      encoded[algorithm.size()] != '$') {
    return {};
  }
  return encoded.substr(algorithm.size() + 1);
}

class BcryptScheme final : public PasswordScheme {
 public:
  explicit BcryptScheme(std::uint32_t cost) : cost_(cost) {}

  std::string_view algorithm() const override { return "bcrypt"; }

  bool verify(std::string_view password, std::string_view encoded) const override {
    // bcrypt reads a C string; passlib and pyca/bcrypt refuse NUL rather than truncate there.
    if (password.find('\0') != std::string_view::npos) return false;
    return verify_bcrypt(password, after_prefix(encoded, algorithm()));
  }

  std::string hash(std::string_view password) const override {
    // Not offered as a scheme for new hashes (72-byte truncation, NUL refusal); kept complete.
    return std::string(algorithm()) + "$" + new_bcrypt(password, cost_);
  }

  bool is_weaker(std::string_view encoded) const override {
    const auto parsed = parse_bcrypt(after_prefix(encoded, algorithm()));
    return !parsed || parsed->cost < cost_;
  }

 private:
  std::uint32_t cost_;
};

class BcryptSha256Scheme final : public PasswordScheme {
 public:
  explicit BcryptSha256Scheme(std::uint32_t cost) : cost_(cost) {}

  std::string_view algorithm() const override { return "bcrypt_sha256"; }

  bool verify(std::string_view password, std::string_view encoded) const override {
    return verify_bcrypt(prehash(password), after_prefix(encoded, algorithm()));
  }

  std::string hash(std::string_view password) const override {
    return std::string(algorithm()) + "$" + new_bcrypt(prehash(password), cost_);
  }

  bool is_weaker(std::string_view encoded) const override {
    const auto parsed = parse_bcrypt(after_prefix(encoded, algorithm()));
    return !parsed || parsed->cost < cost_;
  }

 private:
  // Django's pre-hash: 64 lowercase hex characters, so no truncation and no NUL bytes.
  static std::string prehash(std::string_view password) { return hex_encode(sha256(password)); }

  std::uint32_t cost_;
};

}  // namespace

std::unique_ptr<PasswordScheme> make_bcrypt_scheme(std::uint32_t cost) {
  return std::make_unique<BcryptScheme>(cost);
}

std::unique_ptr<PasswordScheme> make_bcrypt_sha256_scheme(std::uint32_t cost) {
  return std::make_unique<BcryptSha256Scheme>(cost);
}

}  // namespace mango::crypto
