#include <spdlog/spdlog.h>

#include <algorithm>

#include "mango/http.hpp"
#include "text.hpp"

namespace mango::http {
namespace {

std::string without_trailing_slash(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return "/";
  return std::string(path);
}

// DRF's answer when AuthenticatedOnly refuses a request (default authentication classes).
Response not_authenticated() {
  return Response::json(403, {{"detail", "Authentication credentials were not provided."}});
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

void Router::add(std::string method, std::string path, Handler handler, bool authenticated_only) {
  if (path.empty() || path.front() != '/') path.insert(path.begin(), '/');
  routes_.push_back(
      Route{std::move(method), without_trailing_slash(path), std::move(handler), authenticated_only});
}

Response Router::handle(Request& request) const {
  const std::string path = without_trailing_slash(request.path);
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
    if (allowed.empty()) return Response::json(404, {{"detail", "Not found."}});
    Response response = Response::json(
        405, {{"detail", "Method \"" + request.method + "\" not allowed."}});
    response.headers.emplace_back("Allow", allowed);
    return response;
  }

  if (match->authenticated_only) {
    if (!authenticator_) return not_authenticated();
    auto user = authenticator_->authenticate(request.header("authorization"));
    if (!user) {
      if (user.error() == AuthFailure::store_unavailable)
        return Response::json(503, {{"detail", "The user store is unavailable; try again later."}});
      return not_authenticated();
    }
    request.user = std::move(*user);
  }

  try {
    return match->handler(request);
  } catch (const std::exception& e) {
    spdlog::error("handler for {} {} threw: {}", request.method, path, e.what());
  } catch (...) {
    spdlog::error("handler for {} {} threw a non-standard exception", request.method, path);
  }
  return Response::json(500, {{"detail", "Internal server error."}});
}

}  // namespace mango::http
