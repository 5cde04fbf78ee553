// The HTTP surface, free of Boost.Beast types: requests, responses, a router with guarded
// routes, the Mango-JWT auth routes, and a server that runs a router.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "mango/auth.hpp"
#include "mango/error.hpp"

namespace mango::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // without the query string, percent-decoding not applied
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  std::string remote_address;
  // Set before an authenticated-only handler runs: the stored user without _id and password,
  // like request.user under Mango-JWT's AuthenticatedOnly.
  std::optional<Document> user;

  // The value of the first header named `lowercase_name`, or empty.
  std::string_view header(std::string_view lowercase_name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // A JSON response rendered as Django REST Framework does (compact, UTF-8).
  static Response json(int status, const nlohmann::json& body);
};

using Handler = std::function<Response(Request&)>;

// Maps method + path to handlers. Paths match with or without a trailing slash. Unknown paths
// get 404, known paths with another method 405 (with Allow), as DRF answers them.
// Not thread-safe while routes are added; thread-safe for handle() afterwards.
class Router {
 public:
  // `authenticator` checks authenticated-only routes; it must outlive the router.
  explicit Router(const AuthService* authenticator = nullptr) : authenticator_(authenticator) {}

  void add(std::string method, std::string path, Handler handler, bool authenticated_only = false);

  // Runs the matching handler. Exceptions from handlers become a 500 without their text.
  Response handle(Request& request) const;

 private:
  struct Route {
    std::string method;
    std::string path;  // normalised without trailing slash
    Handler handler;
    bool authenticated_only;
  };
  const AuthService* authenticator_;
  std::vector<Route> routes_;
};

// Mango-JWT's routes under `prefix` (e.g. "mongo_auth/"): POST signup/, POST login/, and the
// guarded GET me/ returning {"data": <user>}.
void mount_auth_routes(Router& router, AuthService& auth, std::string_view prefix);

// The request body as a JSON object, as DRF's parsers give request.data: JSON, form-urlencoded
// or multipart/form-data (files ignored). invalid_argument for malformed bodies;
// the field "unsupported_media_type" marks a Content-Type we do not parse.
Result<nlohmann::json> parse_body(std::string_view content_type, std::string_view body);

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;  // 0: any free port (see Server::port())
  unsigned io_threads = 1;
  unsigned worker_threads = 0;  // 0: number of cores
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 8 * 1024;
  std::chrono::seconds idle_timeout{30};
};

// An HTTP/1.1 server. Handlers run on a worker pool, never on the threads serving sockets.
class Server {
 public:
  Server(ServerOptions options, const Router& router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving in background threads. unavailable when the address is taken.
  Result<void> start();
  std::uint16_t port() const;  // the bound port, after start()
  // Blocks until SIGINT or SIGTERM, then stops.
  void wait_for_signal();
  // Stops accepting, finishes and closes connections, joins threads. Idempotent.
  void stop();

  struct Impl;  // private to server.cpp

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mango::http
