// Django's argon2 scheme: "argon2" followed by libargon2's encoded form, e.g.
// argon2$argon2id$v=19$m=102400,t=2,p=8$<salt b64>$<hash b64>, and the legacy forms written by
// older Django/passlib (argon2i, and "argon2$argon2i$m=..,t=..,p=..$.." without a version).
#include "password_argon2.hpp"

#include <argon2.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

#include "password_scheme.hpp"
#include "primitives.hpp"

namespace mango::crypto {
namespace {

constexpr std::string_view kAlgorithm = "argon2";
constexpr std::size_t kSaltBytes = 16;  // argon2-cffi's default
constexpr std::size_t kTagBytes = 16;   // Django's (argon2-cffi's DEFAULT_HASH_LENGTH)

struct Argon2Hash {
  argon2_type type;
  std::uint32_t version;
  std::uint32_t memory_kib;
  std::uint32_t time_cost;
  std::uint32_t parallelism;
  std::string_view libargon2_encoded;  // "$argon2id$v=19$...", what argon2_verify reads
};

// "m=<n>,t=<n>,p=<n>", in that order, as libargon2 writes and reads it.
bool parse_costs(std::string_view text, Argon2Hash& out) {
  struct Field {
    std::string_view name;
    std::uint32_t max;
    std::uint32_t* value;
  };
  const Field fields[] = {{"m=", kMaxArgon2MemoryKib, &out.memory_kib},
                          {"t=", kMaxArgon2TimeCost, &out.time_cost},
                          {"p=", kMaxArgon2Parallelism, &out.parallelism}};
  for (std::size_t i = 0; i < std::size(fields); ++i) {
    if (!text.starts_with(fields[i].name)) return false;
    text.remove_prefix(fields[i].name.size());
    const bool last = i + 1 == std::size(fields);
    const std::size_t end = last ? text.size() : text.find(',');
    if (end == std::string_view::npos) return false;
    const auto value = parse_decimal(text.substr(0, end), fields[i].max);
    if (!value || *value == 0) return false;
    *fields[i].value = *value;
    text.remove_prefix(last ? end : end + 1);
  }
  return true;
}

std::optional<Argon2Hash> parse_argon2(std::string_view encoded) {
  if (encoded.size() > kMaxEncodedHashLength) return std::nullopt;
  const auto parts = split_dollar(encoded);
  // argon2 $ type [$ v=NN] $ costs $ salt $ hash
  if ((parts.size() != 5 && parts.size() != 6) || parts[0] != kAlgorithm) return std::nullopt;
  Argon2Hash hash{};
  if (parts[1] == "argon2id") {
    hash.type = Argon2_id;
  } else if (parts[1] == "argon2i") {
    hash.type = Argon2_i;
  } else if (parts[1] == "argon2d") {
    hash.type = Argon2_d;
  } else {
    return std::nullopt;
  }
  std::size_t next = 2;
  hash.version = ARGON2_VERSION_10;  // libargon2's reading of a hash without "v="
  if (parts.size() == 6) {
    if (parts[2] == "v=19") {
      hash.version = ARGON2_VERSION_13;
    } else if (parts[2] != "v=16") {
      return std::nullopt;
    }
    next = 3;
  }
  if (!parse_costs(parts[next], hash)) return std::nullopt;
  // libargon2 needs 8 KiB per lane at least; checking here keeps odd inputs out of it.
  if (hash.memory_kib < 8 * hash.parallelism) return std::nullopt;
  if (parts[next + 1].empty() || parts[next + 2].empty()) return std::nullopt;
  hash.libargon2_encoded = encoded.substr(kAlgorithm.size());
  return hash;
}

class Argon2Scheme final : public PasswordScheme {
 public:
  Argon2Scheme(std::uint32_t time_cost, std::uint32_t memory_kib, std::uint32_t parallelism)
      : time_cost_(time_cost), memory_kib_(memory_kib), parallelism_(parallelism) {}

  std::string_view algorithm() const override { return kAlgorithm; }

  bool verify(std::string_view password, std::string_view encoded) const override {
    const auto parsed = parse_argon2(encoded);
    if (!parsed) return false;
    // argon2_verify decodes the string again, recomputes, and compares in constant time.
    const std::string libargon2_encoded(parsed->libargon2_encoded);
    return argon2_verify(libargon2_encoded.c_str(), password.data(), password.size(),
                         parsed->type) == ARGON2_OK;
  }

  std::string hash(std::string_view password) const override {
    auto encoded = encode_django_argon2id(password, random_bytes(kSaltBytes), time_cost_,
                                          memory_kib_, parallelism_);
    if (!encoded) {
      // Costs were validated at creation; only memory exhaustion or a broken libargon2 gets
      // here, and an unusable stored hash would silently lock the new user out.
      std::fputs("mango: argon2 hashing failed; aborting\n", stderr);
      std::abort();
    }
    return std::move(*encoded);
  }

  bool is_weaker(std::string_view encoded) const override {
    const auto parsed = parse_argon2(encoded);
    return !parsed || parsed->type != Argon2_id || parsed->version != ARGON2_VERSION_13 ||
           parsed->memory_kib < memory_kib_ || parsed->time_cost < time_cost_ ||
           parsed->parallelism < parallelism_;
  }

 private:
  std::uint32_t time_cost_;
  std::uint32_t memory_kib_;
  std::uint32_t parallelism_;
};

}  // namespace

std::optional<std::string> encode_django_argon2id(std::string_view password, std::string_view salt,
                                                  std::uint32_t time_cost, std::uint32_t memory_kib,
                                                  std::uint32_t parallelism) {
  std::string encoded(
      argon2_encodedlen(time_cost, memory_kib, parallelism, salt.size(), kTagBytes, Argon2_id),
      '\0');
  const int status =
      argon2id_hash_encoded(time_cost, memory_kib, parallelism, password.data(), password.size(),
                            salt.data(), salt.size(), kTagBytes, encoded.data(), encoded.size());
  if (status != ARGON2_OK) return std::nullopt;
  encoded.resize(encoded.find('\0'));
  return std::string(kAlgorithm) + encoded;
}

std::unique_ptr<PasswordScheme> make_argon2_scheme(std::uint32_t time_cost,
                                                   std::uint32_t memory_kib,
                                                   std::uint32_t parallelism) {
  return std::make_unique<Argon2Scheme>(time_cost, memory_kib, parallelism);
}

}  // namespace mango::crypto
