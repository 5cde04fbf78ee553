#include "mango/auth.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "crypto/primitives.hpp"
#include "hashing_pool.hpp"
#include "login_throttle.hpp"
#include "user_cache.hpp"

namespace mango {
namespace {

// Limits on what a client may send; passwords are never truncated, only refused past this.
constexpr std::size_t kMaxPasswordBytes = 4096;
constexpr std::size_t kMaxUsernameBytes = 320;

// Python's str.title() for the field names in "<Field> does not exist." (ASCII letters; other
// bytes break words like punctuation does).
std::string python_title(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  bool previous_is_letter = false;
  for (unsigned char c : name) {
    bool letter = std::isalpha(c) != 0;
    if (letter) {
      out.push_back(static_cast<char>(previous_is_letter ? std::tolower(c) : std::toupper(c)));
    } else {
      out.push_back(static_cast<char>(c));
    }
    previous_is_letter = letter;
  }
  return out;
}

std::unexpected<Error> missing(std::string_view field) {
  return fail(ErrorCode::invalid_argument, python_title(field) + " does not exist.",
              std::string(field));
}

std::unexpected<Error> not_a_string(std::string_view field) {
  return fail(ErrorCode::invalid_argument, python_title(field) + " must be a string.",
              std::string(field));
}

// HMAC pads short keys with zero bytes, so in PBKDF2 "pw" and "pw\0" are the same password.
// Refusing NUL bytes keeps every accepted password distinct (and never silently shortened).
std::unexpected<Error> nul_in_password() {
  return fail(ErrorCode::invalid_argument, "Password must not contain NUL bytes.", "password");
}

// "ID_<uuid4>", as Mango-JWT's create_unique_object_id().
std::string new_user_id() {
  std::string bytes = crypto::random_bytes(16);
  bytes[6] = static_cast<char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string hex = crypto::hex_encode(bytes);
  return "ID_" + hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::string exists_message(std::string_view field) {
  return "User already exists with this " + std::string(field);
}

}  // namespace

const char* describe(AuthFailure failure) {
  switch (failure) {
    case AuthFailure::no_token: return "no token";
    case AuthFailure::bad_token: return "invalid token";
    case AuthFailure::expired: return "token expired";
    case AuthFailure::unknown_user: return "unknown user";
    case AuthFailure::store_unavailable: return "user store unavailable";
  }
  return "unknown";
}

AuthService::AuthService(AuthOptions options, UserStore& store, const PasswordHasher& hasher,
                         const TokenService& tokens)
    : options_(std::move(options)),
      store_(store),
      hasher_(hasher),
      tokens_(tokens),
      cache_(std::make_unique<UserCache>(options_.user_cache_ttl, options_.user_cache_capacity)),
      throttle_(std::make_unique<LoginThrottle>(options_.throttle)),
      hashing_(std::make_unique<HashingPool>(options_.hashing_threads)) {}

AuthService::~AuthService() = default;

Result<Document> AuthService::signup(const nlohmann::json& request) {
  if (!request.is_object()) return fail(ErrorCode::invalid_argument, "Expected a JSON object.");

  // Required fields in a fixed order (Mango-JWT's order is a Python set's, i.e. arbitrary).
  std::vector<std::string> required = {"email", "password"};
  auto add_required = [&](const std::string& field) {
    if (!field.empty() && std::find(required.begin(), required.end(), field) == required.end())
      required.push_back(field);
  };
  for (const auto& field : options_.fields) add_required(field);
  add_required(options_.secondary_username_field);  // Mango-JWT fails with a 500 otherwise

  Document user = {{"id", new_user_id()}};
  for (const auto& field : required) {
    auto it = request.find(field);
    if (it == request.end()) return missing(field);
    user[field] = *it;
  }
  if (!user["email"].is_string()) return not_a_string("email");
  if (!user["password"].is_string()) return not_a_string("password");
  const std::string password = user["password"].get<std::string>();
  if (password.size() > kMaxPasswordBytes)
    return fail(ErrorCode::invalid_argument,
                "Password is longer than " + std::to_string(kMaxPasswordBytes) + " bytes.",
                "password");
  if (password.find('\0') != std::string::npos) return nul_in_password();

  // Look before hashing (cheap answers for taken values, in Mango-JWT's order: email first);
  // the unique indexes still decide races at insert time.
  std::vector<std::string> unique_fields = {"email"};
  if (!options_.secondary_username_field.empty())
    unique_fields.push_back(options_.secondary_username_field);
  for (const auto& field : unique_fields) {
    auto found = store_.find_one(field, user[field]);
    if (found) return fail(ErrorCode::already_exists, exists_message(field), field);
    if (found.error().code != ErrorCode::not_found) return std::unexpected(found.error());
  }

  user["password"] = hashing_->run([&] { return hasher_.hash(password); });
  if (auto inserted = store_.insert(user); !inserted) {
    Error error = inserted.error();
    if (error.code == ErrorCode::already_exists) error.message = exists_message(error.field);
    return std::unexpected(error);
  }
  user.erase("password");
  return user;
}

Result<std::string> AuthService::login(const nlohmann::json& request) {
  LoginContext context;
  return login(request, context);
}

Result<std::string> AuthService::login(const nlohmann::json& request, LoginContext& context) {
  if (!request.is_object()) return fail(ErrorCode::invalid_argument, "Expected a JSON object.");
  for (const char* key : {"username", "password"}) {
    auto it = request.find(key);
    if (it == request.end()) return missing(key);
    if (!it->is_string()) return not_a_string(key);  // never an operator like {"$ne": null}
  }
  const std::string username = request["username"].get<std::string>();
  const std::string password = request["password"].get<std::string>();
  if (username.size() > kMaxUsernameBytes)
    return fail(ErrorCode::invalid_argument, "Username is too long.", "username");
  if (password.size() > kMaxPasswordBytes)
    return fail(ErrorCode::invalid_argument, "Password is too long.", "password");
  if (password.find('\0') != std::string::npos) return nul_in_password();

  // Refused before any hashing or lookup: a throttled guess costs us nothing and learns nothing.
  if (auto wait = throttle_->blocked(username, context.client_address)) {
    context.retry_after = *wait;
    return fail(ErrorCode::unavailable,
                "Too many failed attempts; retry in " + std::to_string(wait->count()) +
                    " seconds.",
                "throttled");
  }
  auto token = check_credentials(username, password);
  if (token) {
    throttle_->success(username, context.client_address);
  } else if (token.error().code == ErrorCode::not_found ||
             token.error().code == ErrorCode::unauthenticated) {
    throttle_->failure(username, context.client_address);
  }
  return token;
}

Result<std::string> AuthService::check_credentials(const std::string& username,
                                                   const std::string& password) {
  std::string field;
  if (username.find('@') != std::string::npos) {
    field = "email";
  } else {
    field = options_.secondary_username_field;  // empty: nobody can be found by this name
  }

  // Every way of not finding a user (no field to search, no match) costs one hash, like a wrong
  // password does.
  Result<Document> user = fail(ErrorCode::not_found, "User not found");
  if (!field.empty()) user = store_.find_one(field, username);
  if (!user) {
    if (user.error().code != ErrorCode::not_found) return std::unexpected(user.error());
    // An unknown user costs what a wrong password costs.
    hashing_->run([&] { hasher_.verify_dummy(password); });
    return fail(ErrorCode::not_found, "User not found");
  }

  const auto& stored_hash = (*user)["password"];
  const auto& user_id = (*user)["id"];
  // Django's unusable passwords ("!...") and unreadable documents verify at no cost: pay for one
  // hash anyway, so that a disabled account does not answer faster than an active one.
  if (!stored_hash.is_string() || stored_hash.get_ref<const std::string&>().starts_with('!')) {
    hashing_->run([&] { hasher_.verify_dummy(password); });
    return fail(ErrorCode::unauthenticated, "Entered Password is incorrect");
  }
  if (!hashing_->run([&] { return hasher_.verify(password, stored_hash.get<std::string>()); }))
    return fail(ErrorCode::unauthenticated, "Entered Password is incorrect");
  if (!user_id.is_string()) {
    spdlog::error("user document with a non-string id; cannot issue a token");
    return fail(ErrorCode::internal, "Internal server error");
  }

  if (hasher_.needs_rehash(stored_hash.get<std::string>())) {
    // Upgrade a weaker stored hash now that we know the password; a failure only delays it.
    auto upgraded = hashing_->run([&] { return hasher_.hash(password); });
    if (auto updated = store_.set_password(user_id.get<std::string>(), upgraded); !updated)
      spdlog::warn("could not upgrade a password hash: {}", updated.error().message);
  }
  return tokens_.issue(user_id.get<std::string>());
}

std::expected<Document, AuthFailure> AuthService::authenticate(
    std::string_view authorization) const {
  std::string_view token = token_from_authorization(authorization);
  if (token.empty()) return std::unexpected(AuthFailure::no_token);
  auto claims = tokens_.verify(token);
  if (!claims) {
    bool expired = claims.error() == TokenFailure::expired ||
                   claims.error() == TokenFailure::not_yet_valid;
    return std::unexpected(expired ? AuthFailure::expired : AuthFailure::bad_token);
  }
  if (auto cached = cache_->find(claims->user_id)) return std::move(*cached);
  auto user = store_.find_one("id", claims->user_id);
  if (!user) {
    return std::unexpected(user.error().code == ErrorCode::not_found
                               ? AuthFailure::unknown_user
                               : AuthFailure::store_unavailable);
  }
  user->erase("password");
  cache_->put(claims->user_id, *user);
  return std::move(*user);
}

}  // namespace mango
