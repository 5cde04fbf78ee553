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
#include <type_traits>
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

// A synchronous handler, like a DRF @api_view function: runs on a worker thread, so it may block
// (hash, query a database); a blocked worker is not available to other requests meanwhile.
using Handler = std::function<Response(Request&)>;

// Answers one request, now or later, from any thread: how an asynchronous handler replies.
// Copies share one answer: the first call wins, later calls are ignored. If every copy is
// destroyed without answering, the client gets a 500 (a dropped request never hangs).
// Answer (or drop) every Responder before the Server stops: stop() waits for them up to
// ServerOptions::shutdown_grace, then answers nothing more.
class Responder {
 public:
  using Deliver = std::function<void(Response)>;
  explicit Responder(Deliver deliver);
  void operator()(Response response) const;
  bool answered() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// An asynchronous handler: starts the work and returns at once, without holding a worker; the
// work calls `respond` when done. For Asio coroutines see mango/http_asio.hpp.
using AsyncHandler = std::function<void(Request request, Responder respond)>;

// Who may call a route. authenticated_only is Mango-JWT's AuthenticatedOnly: the Authorization
// header must carry a valid token of an existing user, else 403 (503 when the store is down),
// and request.user is set before the handler runs.
enum class Access { anyone, authenticated_only };
inline constexpr Access anyone = Access::anyone;
inline constexpr Access authenticated_only = Access::authenticated_only;

// A handler object with one method per HTTP verb, like DRF's APIView. Override the verbs you
// serve; Router::add_view registers only those, so other verbs get 405 with Allow listing them.
// Methods run on worker threads, possibly several at once: keep the object thread-safe.
class View {
 public:
  virtual ~View() = default;
  virtual Response get(Request& request);
  virtual Response post(Request& request);
  virtual Response put(Request& request);
  virtual Response patch(Request& request);
  virtual Response delete_(Request& request);  // DELETE ("delete" is a keyword)
};

class Router;

// Routes under one path prefix (Router::group). Paths given to it are relative to the prefix.
class RouteGroup {
 public:
  RouteGroup& add(std::string method, std::string_view path, Handler handler,
                  Access access = Access::anyone);
  RouteGroup& add_async(std::string method, std::string_view path, AsyncHandler handler,
                        Access access = Access::anyone);
  template <class V>
  RouteGroup& add_view(std::string_view path, std::shared_ptr<V> view,
                       Access access = Access::anyone);
  const std::string& prefix() const { return prefix_; }

 private:
  friend class Router;
  RouteGroup(Router& router, std::string prefix) : router_(&router), prefix_(std::move(prefix)) {}
  std::string join(std::string_view path) const;
  Router* router_;
  std::string prefix_;  // "/api/"
};

// Maps method + path to handlers. Paths match with or without a trailing slash. Unknown paths
// get 404, known paths with another method 405 (with Allow), as DRF answers them.
// Not thread-safe while routes are added; thread-safe for handle()/dispatch() afterwards.
class Router {
 public:
  // `authenticator` checks authenticated-only routes; it must outlive the router. Without one,
  // authenticated-only routes always answer 403.
  explicit Router(const AuthService* authenticator = nullptr) : authenticator_(authenticator) {}

  // A plain function route (DRF's @api_view).
  void add(std::string method, std::string path, Handler handler, Access access = Access::anyone);
  void add(std::string method, std::string path, Handler handler, bool authenticated_only) {
    add(std::move(method), std::move(path), std::move(handler),
        authenticated_only ? Access::authenticated_only : Access::anyone);
  }
  // A route whose handler answers through a Responder, e.g. after a timer or another service.
  void add_async(std::string method, std::string path, AsyncHandler handler,
                 Access access = Access::anyone);

  // A handler object (DRF's APIView); V derives from View. The view is shared by all requests.
  template <class V>
  void add_view(std::string path, std::shared_ptr<V> view, Access access = Access::anyone);

  // Routes under `prefix`. With Access::authenticated_only every route under the prefix is
  // guarded, whether added through the group or directly, before or after this call.
  RouteGroup group(std::string_view prefix, Access access = Access::anyone);

  // Runs the matching handler and waits for its answer (for tests and non-socket callers).
  // Exceptions from handlers become a 500 without their text.
  Response handle(Request& request) const;

  // Runs the matching handler and hands its answer to `respond`, maybe later and from another
  // thread. Guard checks and synchronous handlers run on the calling thread.
  void dispatch(Request request, Responder respond) const;

 private:
  struct Route {
    std::string method;
    std::string path;  // normalised without trailing slash
    Handler handler;     // exactly one of handler, async_handler is set
    AsyncHandler async_handler;
    Access access;
  };
  void add_route(std::string method, std::string path, Handler handler, AsyncHandler async,
                 Access access);
  bool guarded(const Route& route) const;

  const AuthService* authenticator_;
  std::vector<Route> routes_;
  std::vector<std::string> guarded_prefixes_;  // normalised without trailing slash
};

template <class V>
void Router::add_view(std::string path, std::shared_ptr<V> view, Access access) {
  static_assert(std::is_base_of_v<View, V>, "add_view needs a class derived from mango::http::View");
  // A verb counts as served when V (or a base between V and View) overrides it: then &V::verb
  // is a pointer to a member of that class instead of View's.
  // Through a plain shared_ptr<View> the verbs cannot be known: all are routed, and those not
  // overridden answer 405 (without Allow).
  using Method = Response (View::*)(Request&);
  constexpr bool unknown = std::is_same_v<V, View>;
  auto route = [&](const char* verb, bool overridden, Method method) {
    if (!overridden && !unknown) return;
    add(verb, path, [view, method](Request& request) { return ((*view).*method)(request); },
        access);
  };
  route("GET", !std::is_same_v<decltype(&V::get), Method>, &View::get);
  route("POST", !std::is_same_v<decltype(&V::post), Method>, &View::post);
  route("PUT", !std::is_same_v<decltype(&V::put), Method>, &View::put);
  route("PATCH", !std::is_same_v<decltype(&V::patch), Method>, &View::patch);
  route("DELETE", !std::is_same_v<decltype(&V::delete_), Method>, &View::delete_);
}

template <class V>
RouteGroup& RouteGroup::add_view(std::string_view path, std::shared_ptr<V> view, Access access) {
  router_->add_view(join(path), std::move(view), access);
  return *this;
}

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
  // Handlers block their worker while they hash or wait for the database, so there are more
  // workers than cores. 0: 4 per core, at least 16.
  unsigned worker_threads = 0;
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 8 * 1024;
  std::chrono::seconds idle_timeout{30};
  // How long stop() waits for asynchronous handlers that have not answered yet.
  std::chrono::seconds shutdown_grace{10};
};

// An HTTP/1.1 server. Handlers run on a worker pool, never on the threads serving sockets;
// asynchronous handlers free their worker at once and answer when ready.
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
