// Mango-JWT's URLconf (signup/, login/) plus a guarded me/, with its exact answers.
#include "mango/http.hpp"

namespace mango::http {
namespace {

// Mango-JWT's answer shapes: missing fields and wrong passwords are bare {"error_msg"}, the
// rest is wrapped in {"data": {...}}. Status codes are Mango-JWT's (405 for a taken email).
Response contract_error(const Error& error) {
  switch (error.code) {
    case ErrorCode::invalid_argument:
      if (error.field == "unsupported_media_type")
        return Response::json(415, {{"detail", error.message}});
      return Response::json(400, {{"error_msg", error.message}});
    case ErrorCode::already_exists:
      return Response::json(405, {{"data", {{"error_msg", error.message}}}});
    case ErrorCode::not_found:
      return Response::json(403, {{"data", {{"error_msg", error.message}}}});
    case ErrorCode::unauthenticated:
      return Response::json(403, {{"error_msg", error.message}});
    case ErrorCode::unavailable: {
      Response response = Response::json(
          503, {{"data", {{"error_msg", "The user store is unavailable; try again later."}}}});
      response.headers.emplace_back("Retry-After", "1");
      return response;
    }
    case ErrorCode::internal:
      break;
  }
  return Response::json(500, {{"data", {{"error_msg", "Internal server error."}}}});
}

Result<nlohmann::json> request_data(const Request& request) {
  return parse_body(request.header("content-type"), request.body);
}

}  // namespace

void mount_auth_routes(Router& router, AuthService& auth, std::string_view prefix) {
  std::string base = "/" + std::string(prefix);
  if (base.back() != '/') base.push_back('/');

  router.add("POST", base + "signup/", [&auth](Request& request) {
    auto data = request_data(request);
    if (!data) return contract_error(data.error());
    auto user = auth.signup(*data);
    if (!user) return contract_error(user.error());
    return Response::json(200, {{"data", *user}});
  });

  router.add("POST", base + "login/", [&auth](Request& request) {
    auto data = request_data(request);
    if (!data) return contract_error(data.error());
    auto token = auth.login(*data);
    if (!token) return contract_error(token.error());
    return Response::json(200, {{"data", {{"token", *token}}}});
  });

  router.add(
      "GET", base + "me/",
      [](Request& request) { return Response::json(200, {{"data", *request.user}}); },
      Access::authenticated_only);
}

}  // namespace mango::http
