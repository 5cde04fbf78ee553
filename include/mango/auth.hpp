// Mango-JWT's signup, login and AuthenticatedOnly, without HTTP: the HTTP layer (or any other
// front end) turns requests into these calls and the errors into responses.
#pragma once

#include <chrono>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mango/error.hpp"
#include "mango/password.hpp"
#include "mango/token.hpp"
#include "mango/user_store.hpp"

namespace mango {

struct AuthOptions {
  std::vector<std::string> fields;         // required at signup besides email and password
  std::string secondary_username_field;    // empty: none
  // authenticate() may reuse a user read this recently (0: always ask the store).
  std::chrono::seconds user_cache_ttl{0};
  std::size_t user_cache_capacity = 100000;
};

class UserCache;

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
  // Unknown users cost the same password-hash work as wrong passwords.
  Result<std::string> login(const nlohmann::json& request);

  // AuthenticatedOnly: the user (without password) named by the token in an Authorization
  // header value (raw token or "Bearer <token>").
  std::expected<Document, AuthFailure> authenticate(std::string_view authorization) const;

  const AuthOptions& options() const { return options_; }

 private:
  AuthOptions options_;
  UserStore& store_;
  const PasswordHasher& hasher_;
  const TokenService& tokens_;
  std::unique_ptr<UserCache> cache_;
};

}  // namespace mango
