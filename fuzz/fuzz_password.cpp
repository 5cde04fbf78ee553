// Fuzz target: Django password hash parsing and verification (mango::PasswordHasher) with every
// scheme: pbkdf2_sha256, pbkdf2_sha1, bcrypt, bcrypt_sha256, argon2, unusable "!" hashes.
//
// Input: byte 0 = flags, then "<password>\n<encoded hash>".
//   flags & 1: also hash the password and check that the new hash verifies (round trip).
//
// Speed: verify() caps the costs it accepts from a stored hash (pbkdf2 10,000,000 rounds, bcrypt
// cost 18, argon2 1 GiB / t=64 / p=64), but costs under those caps are still far too slow for
// fuzzing under ASan. Hashes whose costs are within the caps but above small fuzz limits are
// only parsed (needs_rehash), not verified; costs over the caps (and malformed costs) do reach
// verify(), which must refuse them at once. The driver's -timeout catches anything slow.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "mango/password.hpp"

namespace {

constexpr std::uint64_t kFuzzMaxPbkdf2Rounds = 2000;
constexpr std::uint64_t kFuzzMaxBcryptCost = 5;
constexpr std::uint64_t kFuzzMaxArgon2MemoryKib = 512;
constexpr std::uint64_t kFuzzMaxArgon2Time = 2;
constexpr std::uint64_t kFuzzMaxArgon2Lanes = 4;

// The verifier's own caps (src/crypto/password_scheme.hpp): at or under these a hash is hashed.
constexpr std::uint64_t kCapPbkdf2Rounds = 10'000'000;
constexpr std::uint64_t kCapBcryptCost = 18;
constexpr std::uint64_t kCapArgon2MemoryKib = 1u << 20;
constexpr std::uint64_t kCapArgon2Time = 64;
constexpr std::uint64_t kCapArgon2Lanes = 64;

// The leading decimal number of `text` (saturating), and whether there was one.
bool leading_number(std::string_view text, std::uint64_t& value) {
  value = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i)
    value = value > 1'000'000'000'000ull ? value : value * 10 + std::uint64_t(text[i] - '0');
  return i > 0;
}

// True when a cost written after `marker` anywhere in `encoded` is slow but not over the cap.
bool slow_cost_after(std::string_view encoded, std::string_view marker, std::uint64_t fuzz_max,
                     std::uint64_t cap) {
  for (std::size_t at = encoded.find(marker); at != std::string_view::npos;
       at = encoded.find(marker, at + 1)) {
    std::uint64_t value = 0;
    if (leading_number(encoded.substr(at + marker.size()), value) && value > fuzz_max &&
        value <= cap)
      return true;
  }
  return false;
}

bool too_slow_to_verify(std::string_view encoded) {
  return slow_cost_after(encoded, "$", kFuzzMaxPbkdf2Rounds, kCapPbkdf2Rounds) ||
         slow_cost_after(encoded, "m=", kFuzzMaxArgon2MemoryKib, kCapArgon2MemoryKib) ||
         slow_cost_after(encoded, "t=", kFuzzMaxArgon2Time, kCapArgon2Time) ||
         slow_cost_after(encoded, "p=", kFuzzMaxArgon2Lanes, kCapArgon2Lanes) ||
         // bcrypt: "$2b$NN$": two digits after "$2?$".
         [&] {
           for (std::size_t at = encoded.find("$2"); at != std::string_view::npos;
                at = encoded.find("$2", at + 1)) {
             std::uint64_t cost = 0;
             if (at + 4 <= encoded.size() && leading_number(encoded.substr(at + 4), cost) &&
                 cost > kFuzzMaxBcryptCost && cost <= kCapBcryptCost)
               return true;
           }
           return false;
         }();
}

const mango::PasswordHasher& hasher() {
  static const std::unique_ptr<mango::PasswordHasher> instance = [] {
    mango::PasswordOptions options;
    options.scheme = "pbkdf2_sha256";
    options.pbkdf2_rounds = 1000;  // the lowest accepted for new hashes
    options.argon2_time_cost = 1;
    options.argon2_memory_kib = 8;
    options.argon2_parallelism = 1;
    options.bcrypt_rounds = 4;
    auto made = mango::PasswordHasher::create(options);
    if (!made) std::abort();
    return std::move(*made);
  }();
  return *instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t flags = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t newline = text.find('\n');
  const std::string_view password = text.substr(0, newline);
  const std::string_view encoded =
      newline == std::string_view::npos ? std::string_view{} : text.substr(newline + 1);
  const auto& passwords = hasher();

  (void)passwords.needs_rehash(encoded);  // parsing only: any cost is cheap here
  if (!too_slow_to_verify(encoded)) {
    const bool verified = passwords.verify(password, encoded);
    if (verified && (encoded.empty() || encoded.front() == '!')) std::abort();
  }
  if ((flags & 1) && password.size() <= 4096) {  // longer ones never verify (passlib's limit)
    const std::string fresh = passwords.hash(password);
    if (!passwords.verify(password, fresh)) std::abort();
    if (passwords.needs_rehash(fresh)) std::abort();
  }
  return 0;
}
