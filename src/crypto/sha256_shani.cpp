// SHA-256 compression with the SHA-NI instructions, specialised for PBKDF2: the chaining values
// stay in registers in the instructions' ABEF/CDGH layout, the message is the previous digest
// (already words, no byte swapping) plus constant padding, and the pad states are converted once
// per hash instead of once per compression as a general-purpose block function must.
#include "sha256_shani.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>

namespace mango::crypto {
namespace {

// FIPS 180-4, 4.2.2.
alignas(16) constexpr std::uint32_t kRoundConstants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define MANGO_SHANI __attribute__((target("sha,sse4.1")))

// A SHA-256 state as the instructions want it: lanes (high to low) A B E F and C D G H.
struct State {
  __m128i abef, cdgh;
};

// From words A..H (lane 0 = A) to ABEF/CDGH.
MANGO_SHANI inline State to_state(__m128i abcd, __m128i efgh) {
  const __m128i badc = _mm_shuffle_epi32(abcd, 0xB1);
  const __m128i hgfe = _mm_shuffle_epi32(efgh, 0x1B);
  return {_mm_alignr_epi8(badc, hgfe, 8), _mm_blend_epi16(hgfe, badc, 0xF0)};
}

// Back to words: lanes 0..3 = A B C D and E F G H, which are also the next block's first
// eight message words.
MANGO_SHANI inline void to_words(const State& s, __m128i& abcd, __m128i& efgh) {
  const __m128i abef = _mm_shuffle_epi32(s.abef, 0x1B);
  const __m128i ghcd = _mm_shuffle_epi32(s.cdgh, 0xB1);
  abcd = _mm_blend_epi16(abef, ghcd, 0xF0);
  efgh = _mm_alignr_epi8(ghcd, abef, 8);
}

// One compression of the block (w0..w3, w4..w7, 0x80000000 0 0 0, 0 0 0 768) from `from`.
MANGO_SHANI inline State compress(const State& from, __m128i w0, __m128i w4) {
  __m128i message[4] = {w0, w4, _mm_set_epi32(0, 0, 0, static_cast<int>(0x80000000u)),
                        _mm_set_epi32(96 * 8, 0, 0, 0)};
  __m128i abef = from.abef, cdgh = from.cdgh;
#pragma GCC unroll 16
  for (int group = 0; group < 16; ++group) {  // four rounds each, on W[4 group .. 4 group + 3]
    const __m128i words = message[group % 4];
    const __m128i k = _mm_add_epi32(
        words, _mm_load_si128(reinterpret_cast<const __m128i*>(kRoundConstants + 4 * group)));
    cdgh = _mm_sha256rnds2_epu32(cdgh, abef, k);
    abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(k, 0x0E));
    __m128i& before = message[(group + 3) % 4];  // the group before this one
    if (group >= 3 && group < 15) {
      // The next group's words: its slot holds sigma0's part (msg1, two groups ago); add
      // W[t-7] and finish with sigma1 of W[t-2]. Needs the group before, so it comes first.
      __m128i& next = message[(group + 1) % 4];
      next = _mm_add_epi32(next, _mm_alignr_epi8(words, before, 4));
      next = _mm_sha256msg2_epu32(next, words);
    }
    if (group >= 1 && group <= 12) before = _mm_sha256msg1_epu32(before, words);
  }
  return {_mm_add_epi32(abef, from.abef), _mm_add_epi32(cdgh, from.cdgh)};
}

MANGO_SHANI void iterate(const std::uint32_t inner_words[8], const std::uint32_t outer_words[8],
                         std::uint32_t u_words[8], std::uint32_t t_words[8],
                         std::uint32_t iterations) {
  auto load = [](const std::uint32_t* p) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  };
  const State inner = to_state(load(inner_words), load(inner_words + 4));
  const State outer = to_state(load(outer_words), load(outer_words + 4));
  __m128i u0 = load(u_words), u4 = load(u_words + 4);
  __m128i t0 = load(t_words), t4 = load(t_words + 4);
  for (std::uint32_t i = 0; i < iterations; ++i) {
    to_words(compress(inner, u0, u4), u0, u4);
    to_words(compress(outer, u0, u4), u0, u4);
    t0 = _mm_xor_si128(t0, u0);
    t4 = _mm_xor_si128(t4, u4);
  }
  _mm_storeu_si128(reinterpret_cast<__m128i*>(u_words), u0);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(u_words + 4), u4);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(t_words), t0);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(t_words + 4), t4);
}

bool detect() {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_SSE4_1)) return false;
  if (__get_cpuid_max(0, nullptr) < 7) return false;
  __cpuid_count(7, 0, eax, ebx, ecx, edx);
  return (ebx & bit_SHA) != 0;
}

}  // namespace

bool sha256_shani_supported() {
  static const bool supported = detect();
  return supported;
}

void pbkdf2_sha256_shani_iterate(const std::uint32_t inner_state[8],
                                 const std::uint32_t outer_state[8], std::uint32_t u[8],
                                 std::uint32_t t[8], std::uint32_t iterations) {
  iterate(inner_state, outer_state, u, t, iterations);
}

}  // namespace mango::crypto

#else  // not x86: the portable loop is used

namespace mango::crypto {
bool sha256_shani_supported() { return false; }
void pbkdf2_sha256_shani_iterate(const std::uint32_t*, const std::uint32_t*, std::uint32_t*,
                                 std::uint32_t*, std::uint32_t) {}
}  // namespace mango::crypto

#endif
