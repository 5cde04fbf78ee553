// Mango-JWT's AuthenticatedOnly for any HTTP stack (cpp-httplib, Drogon, Crow, your own):
// hand it the Authorization header value, get the user or why not. Built from the same settings
// as `mango-jwt serve`, it opens the same store and signing key, so tokens issued by either work
// with the other.
//
//   auto auth = mango::Authenticator::create(settings, warnings);      // once, at start-up
//   auto user = (*auth)->authenticate(request.get_header_value("Authorization"));
//   if (!user) { auto refusal = mango::refusal(user.error()); ... answer refusal.status/body }
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "mango/auth.hpp"
#include "mango/error.hpp"
#include "mango/settings.hpp"

namespace mango {

class Application;
class MongoDatabase;
namespace http {
class Router;
}

// Owns the store, hasher, token service and auth service. Thread-safe; calls block on the
// store (run them where blocking is fine, e.g. a worker thread of your HTTP stack).
class Authenticator {
 public:
  // Fails as Application::create does: bad secret, store that cannot be opened.
  static Result<std::unique_ptr<Authenticator>> create(const Settings& settings,
                                                       std::vector<std::string>& warnings);
  ~Authenticator();
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // The user (without _id and password) named by an Authorization header value (raw token or
  // "Bearer <token>"), or why it was refused: no_token, bad_token, expired, unknown_user,
  // store_unavailable.
  std::expected<Document, AuthFailure> authenticate(std::string_view authorization) const;

  // Mango-JWT's signup and login (see AuthService for the errors).
  Result<Document> signup(const nlohmann::json& request);
  Result<std::string> login(const nlohmann::json& request);

  // Mango-JWT's routes (<url_prefix>signup/, login/, me/) with their exact answers: forward
  // requests from your HTTP stack with router().handle(request).
  const http::Router& router() const;

  // The pooled MongoDB connection for the application's own collections; nullptr on the
  // embedded store. Include mango/mongo.hpp to use it.
  MongoDatabase* mongo() const;

 private:
  explicit Authenticator(std::unique_ptr<Application> app);
  std::unique_ptr<Application> app_;
};

// How Mango-JWT (Django REST Framework) answers a refused request: 403 with
// {"detail": "Authentication credentials were not provided."}, or 503 when the store is down.
struct Refusal {
  int status;
  std::string body;  // JSON
};
Refusal refusal(AuthFailure failure);

}  // namespace mango
