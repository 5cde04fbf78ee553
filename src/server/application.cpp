#include "mango/application.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <fstream>
#include <system_error>

#include "crypto/primitives.hpp"
#include "open_store.hpp"

namespace mango {
namespace {

constexpr std::size_t kMinSecretBytes = 32;

// Reads <data_dir>/jwt_secret, creating it with 32 random bytes (hex) on first start.
Result<std::string> embedded_secret(const std::filesystem::path& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return fail(ErrorCode::internal, "cannot create data_dir " + data_dir.string() + ": " + ec.message());
  const auto file = data_dir / "jwt_secret";
  if (std::filesystem::exists(file)) {
    std::ifstream in(file);
    std::string secret;
    std::getline(in, secret);
    if (secret.size() < kMinSecretBytes)
      return fail(ErrorCode::invalid_argument, file.string() + " holds no usable key; delete it to generate a new one");
    return secret;
  }
  std::string secret = crypto::hex_encode(crypto::random_bytes(32));
  const auto temporary = file.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    ::chmod(temporary.c_str(), 0600);
    out << secret << '\n';
    if (!out) return fail(ErrorCode::internal, "cannot write " + temporary);
  }
  std::filesystem::rename(temporary, file, ec);
  if (ec) return fail(ErrorCode::internal, "cannot create " + file.string() + ": " + ec.message());
  spdlog::info("generated a new JWT signing key in {}", file.string());
  return secret;
}

}  // namespace

Result<std::string> resolve_jwt_secret(const Settings& settings, std::vector<std::string>& warnings) {
  if (settings.jwt_secret.empty()) {
    if (settings.uses_mongo())
      return fail(ErrorCode::invalid_argument,
                  "jwt_secret is required with MongoDB: every server sharing the database must "
                  "sign with the same key (set jwt_secret or MANGO_JWT_JWT_SECRET)");
    return embedded_secret(settings.data_dir);
  }
  const bool weak = settings.jwt_secret == "secret" || settings.jwt_secret.size() < kMinSecretBytes;
  if (weak) {
    if (!settings.allow_weak_secret)
      return fail(ErrorCode::invalid_argument,
                  "jwt_secret is guessable (\"secret\" or shorter than 32 bytes); use a long random "
                  "key, or set allow_weak_secret = true to keep an old Mango-JWT deployment's key");
    warnings.push_back("jwt_secret is weak (allow_weak_secret = true): anyone who guesses it can "
                       "forge tokens for any user");
  }
  return settings.jwt_secret;
}

struct Application::Parts {
  Settings settings;
  std::unique_ptr<UserStore> store;
  std::shared_ptr<MongoDatabase> mongo;
  std::unique_ptr<PasswordHasher> hasher;
  std::unique_ptr<TokenService> tokens;
  std::unique_ptr<AuthService> auth;
  std::unique_ptr<http::Router> router;
  std::unique_ptr<http::Server> server;
};

Application::Application() : parts_(std::make_unique<Parts>()) {}
Application::~Application() { stop(); }

Result<std::unique_ptr<Application>> Application::create(const Settings& settings,
                                                         std::vector<std::string>& warnings) {
  std::unique_ptr<Application> app(new Application());
  Parts& p = *app->parts_;
  p.settings = settings;

  auto secret = resolve_jwt_secret(settings, warnings);
  if (!secret) return std::unexpected(secret.error());

  PasswordOptions password_options;
  password_options.scheme = settings.password_scheme;
  password_options.pbkdf2_rounds = settings.pbkdf2_rounds;
  auto hasher = PasswordHasher::create(password_options);
  if (!hasher) return std::unexpected(hasher.error());
  p.hasher = std::move(*hasher);

  TokenOptions token_options;
  token_options.secret = *secret;
  token_options.lifetime = std::chrono::seconds(
      static_cast<std::int64_t>(settings.jwt_life_days * 24 * 3600));
  token_options.leeway = settings.jwt_leeway;
  token_options.require_exp = settings.jwt_require_exp;
  p.tokens = std::make_unique<TokenService>(token_options);

  StoreOptions store_options{settings.auth_collection, settings.secondary_username_field};
  auto store = open_store(settings, store_options);
  if (!store) return std::unexpected(store.error());
  p.store = std::move(store->store);
  p.mongo = std::move(store->mongo);

  p.auth = std::make_unique<AuthService>(
      AuthOptions{.fields = settings.fields,
                  .secondary_username_field = settings.secondary_username_field,
                  .user_cache_ttl = settings.user_cache_ttl,
                  .throttle = {.pair_limit = settings.login_throttle_pair_limit,
                               .address_limit = settings.login_throttle_address_limit,
                               .username_limit = settings.login_throttle_username_limit,
                               .window = settings.login_throttle_window,
                               .base_delay = settings.login_throttle_base_delay,
                               .max_delay = settings.login_throttle_max_delay},
                  .hashing_threads = settings.hashing_threads,
                  .uniform_errors = settings.uniform_errors,
                  .trusted_proxy_header = settings.trusted_proxy_header,
                  .trusted_proxies = settings.trusted_proxies},
      *p.store, *p.hasher, *p.tokens);
  p.router = std::make_unique<http::Router>(p.auth.get());
  http::mount_auth_routes(*p.router, *p.auth, settings.url_prefix);

  // Liveness and readiness for orchestrators: ready only while the store answers.
  p.router->add("GET", "/healthz", [](http::Request&) {
    return http::Response::json(200, {{"status", "ok"}});
  });
  p.router->add("GET", "/readyz", [store = p.store.get()](http::Request&) {
    if (auto ping = store->ping(); !ping)
      return http::Response::json(503, {{"status", "unavailable"}, {"detail", ping.error().message}});
    return http::Response::json(200, {{"status", "ready"}});
  });
  return app;
}

const Settings& Application::settings() const { return parts_->settings; }
UserStore& Application::store() { return *parts_->store; }
MongoDatabase* Application::mongo() { return parts_->mongo.get(); }
const PasswordHasher& Application::hasher() const { return *parts_->hasher; }
const TokenService& Application::tokens() const { return *parts_->tokens; }
AuthService& Application::auth() { return *parts_->auth; }
http::Router& Application::router() { return *parts_->router; }

Result<void> Application::start() {
  const Settings& s = parts_->settings;
  http::ServerOptions options;
  options.host = s.listen_host;
  options.port = s.listen_port;
  options.io_threads = s.io_threads;
  options.worker_threads = s.worker_threads;
  options.max_body_bytes = s.max_body_bytes;
  options.max_header_bytes = s.max_header_bytes;
  options.idle_timeout = s.idle_timeout;
  parts_->server = std::make_unique<http::Server>(options, *parts_->router);
  return parts_->server->start();
}

std::uint16_t Application::port() const {
  return parts_->server ? parts_->server->port() : 0;
}

void Application::wait_for_signal() {
  if (parts_->server) parts_->server->wait_for_signal();
}

void Application::stop() {
  if (parts_ && parts_->server) parts_->server->stop();
}

}  // namespace mango
