// Mango-JWT's signup, login and AuthenticatedOnly, without HTTP: the HTTP layer (or any other
// front end) turns requests into these calls and the errors into responses.
#pragma once

#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mango/error.hpp"
#include "mango/password.hpp"
#include "mango/token.hpp"
#include "mango/user_store.hpp"

namespace mango {

// Brute-force throttling of failed logins (see login()). Failures are counted per
// (username, client address) pair, per client address and per username; once a count reaches its
// limit within `window`, further attempts are refused for base_delay, doubling with each further
// failure up to max_delay. A limit of 0 disables that count. Usernames are counted whether or not
// they exist, so throttling reveals nothing about who has an account.
struct LoginThrottleOptions {
  unsigned pair_limit = 5;        // failures per (username, address): one client guessing one user
  unsigned address_limit = 50;    // failures per address over all usernames: password spraying
  // failures per username over all addresses: a distributed guess. Much higher than pair_limit,
  // and it never blocks an address the user has logged in from successfully (within 30 days), so
  // an attacker elsewhere cannot lock a user out of their own address.
  unsigned username_limit = 100;
  std::chrono::seconds window{900};      // failures older than this are forgotten
  std::chrono::seconds base_delay{1};    // first refusal period after reaching a limit
  std::chrono::seconds max_delay{900};   // the doubling stops here
  std::size_t capacity = 100000;  // entries per table; the least recently used is evicted
  // The clock; tests replace it. Empty: std::chrono::steady_clock.
  std::function<std::chrono::steady_clock::time_point()> now;
};

struct AuthOptions {
  std::vector<std::string> fields;         // required at signup besides email and password
  std::string secondary_username_field;    // empty: none
  // authenticate() may reuse a user read this recently (0: always ask the store).
  std::chrono::seconds user_cache_ttl{0};
  std::size_t user_cache_capacity = 100000;
  LoginThrottleOptions throttle;
  // Threads that hash passwords, at a lower scheduling priority (0: one per core); logins past
  // them wait, so hashing never occupies every worker thread or starves guarded requests.
  unsigned hashing_threads = 0;
  // The HTTP layer answers every failure in one shape with proper status codes (401 for bad
  // credentials, 409 for a taken value, 401 + WWW-Authenticate for a refused token) instead of
  // Mango-JWT's, and never says whether a username exists.
  bool uniform_errors = false;
  // The client address of an HTTP request: the socket's peer, or, when that peer is one of
  // trusted_proxies, the last address in this header (e.g. "X-Forwarded-For") that is not itself
  // a trusted proxy. Empty header name: the socket's peer always.
  std::string trusted_proxy_header;
  std::vector<std::string> trusted_proxies;
};

// Who is logging in, for throttling; login() tells how long to wait when it refuses.
struct LoginContext {
  std::string client_address;           // empty: unknown (only per-username limits apply)
  std::chrono::seconds retry_after{0};  // set when login() fails with field "throttled"
};

class UserCache;
class LoginThrottle;
class HashingPool;

// Why authenticate() refused a request.
enum class AuthFailure {
  no_token,           // no Authorization header, or an empty one
  bad_token,          // malformed, wrong algorithm, bad signature, no id
  expired,            // exp (or nbf/iat) out of range
  unknown_user,       // token valid but its user no longer exists
  store_unavailable,  // the database could not be asked
};
const char* describe(AuthFailure failure);

// Thread-safe; borrows the store, hasher and token service, which must outlive it.
class AuthService {
 public:
  AuthService(AuthOptions options, UserStore& store, const PasswordHasher& hasher,
              const TokenService& tokens);
  ~AuthService();

  // `request` is the request body as a JSON object (form fields as strings). Returns the stored
  // user without password. Errors:
  //   invalid_argument, field set: a required field is missing ("Email does not exist.") or
  //                                 has the wrong type
  //   already_exists, field set:    "User already exists with this <field>"
  //   unavailable / internal
  Result<Document> signup(const nlohmann::json& request);

  // {"username", "password"} -> a token. Errors:
  //   invalid_argument: a key is missing or not a string
  //   not_found:        "User not found" (also when no secondary field fits a name without '@')
  //   unauthenticated:  "Entered Password is incorrect"
  //   unavailable / internal
  //   unavailable, field "throttled": too many failed attempts for this username and/or client
  //                     address; context.retry_after says when to try again. Checked before any
  //                     password is hashed.
  // Unknown users cost the same password-hash work as wrong passwords, on every path.
  // A failure (unknown user or wrong password) counts towards the throttle; a success resets
  // the (username, address) pair's count.
  Result<std::string> login(const nlohmann::json& request, LoginContext& context);
  Result<std::string> login(const nlohmann::json& request);  // no client address

  // AuthenticatedOnly: the user (without password) named by the token in an Authorization
  // header value (raw token or "Bearer <token>").
  std::expected<Document, AuthFailure> authenticate(std::string_view authorization) const;

  const AuthOptions& options() const { return options_; }

 private:
  Result<std::string> check_credentials(const std::string& username, const std::string& password);

  AuthOptions options_;
  UserStore& store_;
  const PasswordHasher& hasher_;
  const TokenService& tokens_;
  std::unique_ptr<UserCache> cache_;
  std::unique_ptr<LoginThrottle> throttle_;
  std::unique_ptr<HashingPool> hashing_;
};

}  // namespace mango
