// PBKDF2-HMAC on OpenSSL's raw SHA-256/SHA-1 block functions (SHA-256's loop on the CPU's SHA
// extensions where it has them: sha256_shani.cpp), and Django's pbkdf2_sha256 / pbkdf2_sha1
// schemes on top of it.
//
// The SHA*_Init/Update/Final/Transform functions are deprecated in OpenSSL 3 but still shipped;
// they are the only public way to reach OpenSSL's assembly (SHA-NI/AVX2) block function without
// the per-call EVP overhead that dominates PKCS5_PBKDF2_HMAC. Silenced here, in this file only.
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "password_pbkdf2.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>

#include "password_scheme.hpp"
#include "primitives.hpp"
#include "sha256_shani.hpp"

namespace mango::crypto {
namespace {

constexpr std::size_t kBlockSize = 64;  // both SHA-1 and SHA-256

inline std::uint32_t load_be32(const unsigned char* p) {
  std::uint32_t value;
  std::memcpy(&value, p, 4);
  if constexpr (std::endian::native == std::endian::little) value = std::byteswap(value);
  return value;
}

inline void store_be32(unsigned char* p, std::uint32_t value) {
  if constexpr (std::endian::native == std::endian::little) value = std::byteswap(value);
  std::memcpy(p, &value, 4);
}

// What the PBKDF2 loop needs from a hash function: streaming for the few non-hot calls, the
// chaining state as words, and the single-block compression for the hot loop.
struct Sha256Traits {
  using Context = SHA256_CTX;
  static constexpr std::size_t kWords = 8;
  static constexpr std::size_t kDigestSize = 32;
  static void init(Context& c) { SHA256_Init(&c); }
  static void update(Context& c, const void* data, std::size_t size) {
    SHA256_Update(&c, data, size);
  }
  static void final(Context& c, unsigned char* digest) { SHA256_Final(digest, &c); }
  static void compress(Context& c, const unsigned char* block) { SHA256_Transform(&c, block); }
  static void get_state(const Context& c, std::uint32_t* words) {
    std::copy(std::begin(c.h), std::end(c.h), words);
  }
  static void set_state(Context& c, const std::uint32_t* words) {
    std::copy(words, words + kWords, std::begin(c.h));
  }
  // The whole iteration loop on the CPU's SHA extensions, where it has them.
  static bool iterate_on_extensions(const std::uint32_t* inner, const std::uint32_t* outer,
                                    std::uint32_t* u, std::uint32_t* t, std::uint32_t iterations) {
    if (!sha256_shani_supported()) return false;
    pbkdf2_sha256_shani_iterate(inner, outer, u, t, iterations);
    return true;
  }
};

struct Sha1Traits {
  using Context = SHA_CTX;
  static constexpr std::size_t kWords = 5;
  static constexpr std::size_t kDigestSize = 20;
  static void init(Context& c) { SHA1_Init(&c); }
  static void update(Context& c, const void* data, std::size_t size) {
    SHA1_Update(&c, data, size);
  }
  static void final(Context& c, unsigned char* digest) { SHA1_Final(digest, &c); }
  static void compress(Context& c, const unsigned char* block) { SHA1_Transform(&c, block); }
  static void get_state(const Context& c, std::uint32_t* words) {
    words[0] = c.h0;
    words[1] = c.h1;
    words[2] = c.h2;
    words[3] = c.h3;
    words[4] = c.h4;
  }
  static void set_state(Context& c, const std::uint32_t* words) {
    c.h0 = words[0];
    c.h1 = words[1];
    c.h2 = words[2];
    c.h3 = words[3];
    c.h4 = words[4];
  }
  static bool iterate_on_extensions(const std::uint32_t*, const std::uint32_t*, std::uint32_t*,
                                    std::uint32_t*, std::uint32_t) {
    return false;
  }
};

// A block holding a digest-sized message that follows one already-hashed 64-byte block (the
// HMAC pad): the digest, then the 0x80 terminator, zeros, and the 64-bit big-endian bit length.
template <class Hash>
std::array<unsigned char, kBlockSize> make_prepadded_block() {
  std::array<unsigned char, kBlockSize> block{};
  block[Hash::kDigestSize] = 0x80;
  const std::uint64_t message_bits = (kBlockSize + Hash::kDigestSize) * 8;
  for (int i = 0; i < 8; ++i)
    block[kBlockSize - 1 - i] = static_cast<unsigned char>(message_bits >> (8 * i));
  return block;
}

template <class Hash>
void pbkdf2_with(std::string_view password, std::string_view salt, std::uint32_t rounds,
                 std::span<unsigned char> out, Pbkdf2Engine engine) {
  using Context = typename Hash::Context;
  constexpr std::size_t kWords = Hash::kWords;
  constexpr std::size_t kDigestSize = Hash::kDigestSize;

  // HMAC key: hashed when longer than a block, then zero-padded.
  std::array<unsigned char, kBlockSize> key{};
  if (password.size() > kBlockSize) {
    Context c;
    Hash::init(c);
    Hash::update(c, password.data(), password.size());
    Hash::final(c, key.data());
  } else {
    std::memcpy(key.data(), password.data(), password.size());
  }
  std::array<unsigned char, kBlockSize> pad;
  Context inner, outer;
  for (std::size_t i = 0; i < kBlockSize; ++i) pad[i] = key[i] ^ 0x36;
  Hash::init(inner);
  Hash::update(inner, pad.data(), pad.size());
  for (std::size_t i = 0; i < kBlockSize; ++i) pad[i] = key[i] ^ 0x5c;
  Hash::init(outer);
  Hash::update(outer, pad.data(), pad.size());
  OPENSSL_cleanse(key.data(), key.size());
  OPENSSL_cleanse(pad.data(), pad.size());

  std::uint32_t inner_state[kWords], outer_state[kWords];
  Hash::get_state(inner, inner_state);
  Hash::get_state(outer, outer_state);

  auto inner_block = make_prepadded_block<Hash>();
  auto outer_block = make_prepadded_block<Hash>();
  Context work = inner;  // only its chaining state is used by compress()

  std::size_t produced = 0;
  for (std::uint32_t block_index = 1; produced < out.size(); ++block_index) {
    // U1 = HMAC(password, salt || INT(block_index)): arbitrary-length salt, so streamed.
    unsigned char digest[kDigestSize];
    unsigned char index_be[4];
    store_be32(index_be, block_index);
    Context c = inner;
    Hash::update(c, salt.data(), salt.size());
    Hash::update(c, index_be, sizeof index_be);
    Hash::final(c, digest);
    c = outer;
    Hash::update(c, digest, kDigestSize);
    Hash::final(c, digest);

    std::uint32_t u[kWords], t[kWords];
    for (std::size_t w = 0; w < kWords; ++w) u[w] = t[w] = load_be32(digest + 4 * w);

    // U_i = H(opad || H(ipad || U_{i-1})): one compression each, from the saved pad states.
    const bool done = engine == Pbkdf2Engine::fastest &&
                      Hash::iterate_on_extensions(inner_state, outer_state, u, t, rounds - 1);
    for (std::uint32_t round = 1; !done && round < rounds; ++round) {
      for (std::size_t w = 0; w < kWords; ++w) store_be32(inner_block.data() + 4 * w, u[w]);
      Hash::set_state(work, inner_state);
      Hash::compress(work, inner_block.data());
      Hash::get_state(work, u);
      for (std::size_t w = 0; w < kWords; ++w) store_be32(outer_block.data() + 4 * w, u[w]);
      Hash::set_state(work, outer_state);
      Hash::compress(work, outer_block.data());
      Hash::get_state(work, u);
      for (std::size_t w = 0; w < kWords; ++w) t[w] ^= u[w];
    }

    for (std::size_t w = 0; w < kWords; ++w) store_be32(digest + 4 * w, t[w]);
    const std::size_t take = std::min(kDigestSize, out.size() - produced);
    std::memcpy(out.data() + produced, digest, take);
    produced += take;
  }
  OPENSSL_cleanse(&inner, sizeof inner);
  OPENSSL_cleanse(&outer, sizeof outer);
  OPENSSL_cleanse(&work, sizeof work);
}

std::size_t digest_size(Pbkdf2Digest digest) {
  return digest == Pbkdf2Digest::sha256 ? Sha256Traits::kDigestSize : Sha1Traits::kDigestSize;
}

std::string_view django_algorithm(Pbkdf2Digest digest) {
  return digest == Pbkdf2Digest::sha256 ? "pbkdf2_sha256" : "pbkdf2_sha1";
}

// The parts of a stored "<algorithm>$<rounds>$<salt>$<base64 key>".
struct DjangoPbkdf2Hash {
  std::uint32_t rounds;
  std::string_view salt;
  std::string_view key_base64;
};

std::optional<DjangoPbkdf2Hash> parse_django_pbkdf2(Pbkdf2Digest digest, std::string_view encoded) {
  if (encoded.size() > kMaxEncodedHashLength) return std::nullopt;
  const auto parts = split_dollar(encoded);
  if (parts.size() != 4 || parts[0] != django_algorithm(digest)) return std::nullopt;
  const auto rounds = parse_decimal(parts[1], kMaxPbkdf2Rounds);
  if (!rounds || *rounds < kMinPbkdf2Rounds || parts[2].empty()) return std::nullopt;
  // Django and passlib write the key as padded standard base64 of exactly digest-size bytes.
  if (parts[3].size() != (digest_size(digest) + 2) / 3 * 4) return std::nullopt;
  return DjangoPbkdf2Hash{*rounds, parts[2], parts[3]};
}

std::string django_key_base64(Pbkdf2Digest digest, std::string_view password, std::string_view salt,
                              std::uint32_t rounds) {
  std::array<unsigned char, Sha256Traits::kDigestSize> key{};
  const std::span<unsigned char> out(key.data(), digest_size(digest));
  pbkdf2_hmac(digest, password, salt, rounds, out);
  std::string encoded =
      base64_encode(std::string_view(reinterpret_cast<const char*>(out.data()), out.size()));
  OPENSSL_cleanse(key.data(), key.size());
  return encoded;
}

constexpr std::string_view kSaltAlphabet =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr std::size_t kSaltLength = 12;  // passlib's django_pbkdf2_* default

class DjangoPbkdf2Scheme final : public PasswordScheme {
 public:
  DjangoPbkdf2Scheme(Pbkdf2Digest digest, std::uint32_t rounds)
      : digest_(digest), rounds_(rounds) {}

  std::string_view algorithm() const override { return django_algorithm(digest_); }

  bool verify(std::string_view password, std::string_view encoded) const override {
    const auto parsed = parse_django_pbkdf2(digest_, encoded);
    if (!parsed) return false;
    // Comparing the base64 text is comparing the key: the encoding is canonical and injective.
    return constant_time_equal(django_key_base64(digest_, password, parsed->salt, parsed->rounds),
                               parsed->key_base64);
  }

  std::string hash(std::string_view password) const override {
    return encode_django_pbkdf2(digest_, password, random_string(kSaltLength, kSaltAlphabet),
                                rounds_);
  }

  bool is_weaker(std::string_view encoded) const override {
    const auto parsed = parse_django_pbkdf2(digest_, encoded);
    return !parsed || parsed->rounds < rounds_;
  }

 private:
  Pbkdf2Digest digest_;
  std::uint32_t rounds_;
};

}  // namespace

bool pbkdf2_hmac(Pbkdf2Digest digest, std::string_view password, std::string_view salt,
                 std::uint32_t rounds, std::span<unsigned char> out, Pbkdf2Engine engine) {
  if (rounds == 0) return false;
  if (digest == Pbkdf2Digest::sha256) {
    pbkdf2_with<Sha256Traits>(password, salt, rounds, out, engine);
  } else {
    pbkdf2_with<Sha1Traits>(password, salt, rounds, out, engine);
  }
  return true;
}

std::string encode_django_pbkdf2(Pbkdf2Digest digest, std::string_view password,
                                 std::string_view salt, std::uint32_t rounds) {
  std::string encoded(django_algorithm(digest));
  encoded += '$';
  encoded += std::to_string(rounds);
  encoded += '$';
  encoded += salt;
  encoded += '$';
  encoded += django_key_base64(digest, password, salt, rounds);
  return encoded;
}

std::unique_ptr<PasswordScheme> make_pbkdf2_sha256_scheme(std::uint32_t rounds) {
  return std::make_unique<DjangoPbkdf2Scheme>(Pbkdf2Digest::sha256, rounds);
}

std::unique_ptr<PasswordScheme> make_pbkdf2_sha1_scheme(std::uint32_t rounds) {
  return std::make_unique<DjangoPbkdf2Scheme>(Pbkdf2Digest::sha1, rounds);
}

}  // namespace mango::crypto
