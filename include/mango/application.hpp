// The whole service built from settings: the user store (MongoDB when a database is
// configured, else the embedded SQLite store), the password hasher, the token service, the auth
// service and a router with the auth routes mounted. `mango-jwt serve` is this plus a signal wait;
// a C++ service adds its own routes to router() before start().
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "mango/auth.hpp"
#include "mango/error.hpp"
#include "mango/http.hpp"
#include "mango/password.hpp"
#include "mango/settings.hpp"
#include "mango/token.hpp"
#include "mango/user_store.hpp"

namespace mango {

class MongoDatabase;  // mango/mongo.hpp: include it to use the connection (libmongoc types)

// The HS256 key to use: the configured one, or (embedded store only) one generated once and kept
// in <data_dir>/jwt_secret (mode 0600). Refuses "secret" and keys under 32 bytes unless
// allow_weak_secret is set (then a warning is appended); refuses a missing key with MongoDB,
// where every server sharing the database must share one key.
Result<std::string> resolve_jwt_secret(const Settings& settings, std::vector<std::string>& warnings);

class Application {
 public:
  // Opens the store and builds every part. Warnings to log are appended to `warnings`.
  static Result<std::unique_ptr<Application>> create(const Settings& settings,
                                                     std::vector<std::string>& warnings);
  ~Application();

  const Settings& settings() const;
  UserStore& store();
  // The MongoDB connection pool the store uses, for the application's own collections (as
  // `from mongo_auth.db import database`); nullptr on the embedded store.
  MongoDatabase* mongo();
  const PasswordHasher& hasher() const;
  const TokenService& tokens() const;
  AuthService& auth();
  http::Router& router();  // add the application's own routes here before start()

  Result<void> start();             // listens on settings().listen_host/port (0: any free port)
  std::uint16_t port() const;       // the bound port, after start()
  void wait_for_signal();           // until SIGINT/SIGTERM, then stop()
  void stop();

 private:
  Application();
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

}  // namespace mango
