// The standalone authenticator is the Application without its HTTP server: one assembly of
// store, key and services, so both front ends behave the same.
#include "mango/authenticator.hpp"

#include "mango/application.hpp"

namespace mango {

Authenticator::Authenticator(std::unique_ptr<Application> app) : app_(std::move(app)) {}
Authenticator::~Authenticator() = default;

Result<std::unique_ptr<Authenticator>> Authenticator::create(const Settings& settings,
                                                             std::vector<std::string>& warnings) {
  auto app = Application::create(settings, warnings);
  if (!app) return std::unexpected(app.error());
  return std::unique_ptr<Authenticator>(new Authenticator(std::move(*app)));
}

std::expected<Document, AuthFailure> Authenticator::authenticate(std::string_view authorization) const {
  return app_->auth().authenticate(authorization);
}

Result<Document> Authenticator::signup(const nlohmann::json& request) { return app_->auth().signup(request); }

Result<std::string> Authenticator::login(const nlohmann::json& request) { return app_->auth().login(request); }

const http::Router& Authenticator::router() const { return app_->router(); }

MongoDatabase* Authenticator::mongo() const { return app_->mongo(); }

Refusal refusal(AuthFailure failure) {
  if (failure == AuthFailure::store_unavailable)
    return {503, R"({"detail":"The user store is unavailable; try again later."})"};
  return {403, R"({"detail":"Authentication credentials were not provided."})"};
}

}  // namespace mango
