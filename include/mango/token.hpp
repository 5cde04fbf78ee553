// HS256 JSON Web Tokens with Mango-JWT's payload {"id": <user id>, "exp": <unix seconds>}.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "mango/error.hpp"

namespace mango {

enum class TokenFailure {
  malformed,          // not three base64url segments of UTF-8 JSON objects; a bad claim type;
                      // no exp when TokenOptions::require_exp
  wrong_algorithm,    // header alg is not HS256 (none, HS384, RS256, ...)
  bad_signature,      // signature does not match the configured key
  expired,            // exp is in the past
  not_yet_valid,      // nbf/iat in the future
  missing_user_id,    // no string "id" claim
};

const char* describe(TokenFailure failure);  // short English text, safe to show

struct TokenClaims {
  std::string user_id;
  std::int64_t expires_at = 0;  // unix seconds; 0 when the token carries no exp
};

struct TokenOptions {
  std::string secret;                          // HMAC key (bytes)
  std::chrono::seconds lifetime{7 * 24 * 3600};
  std::chrono::seconds leeway{0};              // clock skew tolerated for exp/nbf/iat
  // A token without exp is refused (malformed). false accepts it, as PyJWT and Mango-JWT do.
  bool require_exp = true;
  // Current time in unix seconds; tests replace it.
  std::function<std::int64_t()> now;           // empty: the system clock
};

// Thread-safe after construction.
class TokenService {
 public:
  explicit TokenService(TokenOptions options);
  ~TokenService();
  TokenService(const TokenService&) = delete;
  TokenService& operator=(const TokenService&) = delete;

  // A token for `user_id` expiring lifetime from now: header {"typ":"JWT","alg":"HS256"}.
  std::string issue(std::string_view user_id) const;

  // Checks the signature first, then the claims. Accepts only HS256 with the configured key.
  std::expected<TokenClaims, TokenFailure> verify(std::string_view token) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The token in an Authorization header value: the raw value (as Mango-JWT reads it) or
// "Bearer <token>". Empty when the header is empty.
std::string_view token_from_authorization(std::string_view header_value);

}  // namespace mango
