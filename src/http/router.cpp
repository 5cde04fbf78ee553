#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <future>

#include "mango/http.hpp"
#include "text.hpp"

namespace mango::http {
namespace {

std::string without_trailing_slash(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return "/";
  return std::string(path);
}

std::string normalised(std::string path) {
  if (path.empty() || path.front() != '/') path.insert(path.begin(), '/');
  return without_trailing_slash(path);
}

// `path` is `prefix` or below it, segment-wise ("/api" covers "/api/x", not "/apix").
bool under(std::string_view path, std::string_view prefix) {
  if (prefix == "/") return true;
  if (!path.starts_with(prefix)) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

// DRF's answer when AuthenticatedOnly refuses a request (default authentication classes).
Response not_authenticated() {
  return Response::json(403, {{"detail", "Authentication credentials were not provided."}});
}

Response internal_error() { return Response::json(500, {{"detail", "Internal server error."}}); }

Response method_not_allowed(const std::string& method) {
  return Response::json(405, {{"detail", "Method \"" + method + "\" not allowed."}});
}

}  // namespace

std::string_view Request::header(std::string_view lowercase_name) const {
  for (const auto& [name, value] : headers)
    if (name == lowercase_name) return value;
  return {};
}

Response Response::json(int status, const nlohmann::json& body) {
  Response response;
  response.status = status;
  // Invalid UTF-8 cannot reach here from parsed requests; replace rather than throw regardless.
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

// --- Responder ---

struct Responder::State {
  std::atomic<bool> answered{false};
  Deliver deliver;

  void answer(Response response) {
    if (answered.exchange(true)) return;
    try {
      deliver(std::move(response));
    } catch (const std::exception& e) {
      spdlog::error("delivering a response failed: {}", e.what());
    }
  }
  // Nobody answered: the client must still get a reply.
  ~State() {
    if (!answered.load()) answer(internal_error());
  }
};

Responder::Responder(Deliver deliver) : state_(std::make_shared<State>()) {
  state_->deliver = std::move(deliver);
}

void Responder::operator()(Response response) const { state_->answer(std::move(response)); }

bool Responder::answered() const { return state_->answered.load(); }

// --- View: verbs not overridden answer 405 (add_view does not even register them) ---

Response View::get(Request& request) { return method_not_allowed(request.method); }
Response View::post(Request& request) { return method_not_allowed(request.method); }
Response View::put(Request& request) { return method_not_allowed(request.method); }
Response View::patch(Request& request) { return method_not_allowed(request.method); }
Response View::delete_(Request& request) { return method_not_allowed(request.method); }

// --- RouteGroup ---

std::string RouteGroup::join(std::string_view path) const {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return prefix_ + std::string(path);
}

RouteGroup& RouteGroup::add(std::string method, std::string_view path, Handler handler,
                            Access access) {
  router_->add(std::move(method), join(path), std::move(handler), access);
  return *this;
}

RouteGroup& RouteGroup::add_async(std::string method, std::string_view path,
                                  AsyncHandler handler, Access access) {
  router_->add_async(std::move(method), join(path), std::move(handler), access);
  return *this;
}

// --- Router ---

void Router::add_route(std::string method, std::string path, Handler handler, AsyncHandler async,
                       Access access) {
  routes_.push_back(Route{std::move(method), normalised(std::move(path)), std::move(handler),
                          std::move(async), access});
}

void Router::add(std::string method, std::string path, Handler handler, Access access) {
  add_route(std::move(method), std::move(path), std::move(handler), nullptr, access);
}

void Router::add_async(std::string method, std::string path, AsyncHandler handler,
                       Access access) {
  add_route(std::move(method), std::move(path), nullptr, std::move(handler), access);
}

RouteGroup Router::group(std::string_view prefix, Access access) {
  std::string base = normalised(std::string(prefix));
  if (access == Access::authenticated_only) guarded_prefixes_.push_back(base);
  if (base.back() != '/') base.push_back('/');
  return RouteGroup(*this, std::move(base));
}

bool Router::guarded(const Route& route) const {
  if (route.access == Access::authenticated_only) return true;
  return std::ranges::any_of(guarded_prefixes_,
                             [&](const std::string& prefix) { return under(route.path, prefix); });
}

void Router::dispatch(Request request, Responder respond) const {
  const std::string path = without_trailing_slash(request.path);
  const std::string method = request.method;  // for the log, after the request moved on
  const Route* match = nullptr;
  std::string allowed;
  for (const auto& route : routes_) {
    if (route.path != path) continue;
    if (route.method == request.method) {
      match = &route;
      break;
    }
    allowed += (allowed.empty() ? "" : ", ") + route.method;
  }
  if (!match) {
    if (allowed.empty()) return respond(Response::json(404, {{"detail", "Not found."}}));
    Response response = method_not_allowed(request.method);
    response.headers.emplace_back("Allow", allowed);
    return respond(std::move(response));
  }

  if (guarded(*match)) {
    if (!authenticator_) return respond(not_authenticated());
    auto user = authenticator_->authenticate(request.header("authorization"));
    if (!user) {
      if (user.error() == AuthFailure::store_unavailable)
        return respond(
            Response::json(503, {{"detail", "The user store is unavailable; try again later."}}));
      if (authenticator_->options().uniform_errors) {
        // RFC 6750: a refused bearer token is 401 with a challenge.
        Response response = not_authenticated();
        response.status = 401;
        response.headers.emplace_back("WWW-Authenticate", "Bearer");
        return respond(std::move(response));
      }
      return respond(not_authenticated());
    }
    request.user = std::move(*user);
  }

  try {
    if (match->handler) return respond(match->handler(request));
    return match->async_handler(std::move(request), respond);
  } catch (const std::exception& e) {
    spdlog::error("handler for {} {} threw: {}", method, path, e.what());
  } catch (...) {
    spdlog::error("handler for {} {} threw a non-standard exception", method, path);
  }
  respond(internal_error());  // ignored if the handler answered before throwing
}

Response Router::handle(Request& request) const {
  auto answer = std::make_shared<std::promise<Response>>();
  auto future = answer->get_future();
  dispatch(request, Responder([answer](Response response) { answer->set_value(std::move(response)); }));
  return future.get();
}

}  // namespace mango::http
