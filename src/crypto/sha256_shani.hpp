// Internal: PBKDF2-HMAC-SHA256's inner loop on the x86 SHA extensions (SHA-NI).
#pragma once

#include <cstdint>

namespace mango::crypto {

// True when this CPU has the SHA extensions (and SSE4.1) and this build can use them.
bool sha256_shani_supported();

// `iterations` times: u = H(outer, H(inner, u)), t ^= u, where H(state, m) is one SHA-256
// compression from `state` of a block holding the 32-byte m followed by the padding of a
// 96-byte message (HMAC's pad block already counted in `state`). States, u and t are SHA-256
// words. Only call it when sha256_shani_supported().
void pbkdf2_sha256_shani_iterate(const std::uint32_t inner_state[8],
                                 const std::uint32_t outer_state[8], std::uint32_t u[8],
                                 std::uint32_t t[8], std::uint32_t iterations);

}  // namespace mango::crypto
