// Mango-JWT's URLconf (signup/, login/) plus a guarded me/, with its exact answers, or with
// uniform answers when AuthOptions::uniform_errors is set.
#include <arpa/inet.h>

#include <algorithm>

#include "mango/http.hpp"

namespace mango::http {
namespace {

Response store_unavailable(bool uniform) {
  const char* text = "The user store is unavailable; try again later.";
  Response response = uniform ? Response::json(503, {{"detail", text}})
                              : Response::json(503, {{"data", {{"error_msg", text}}}});
  response.headers.emplace_back("Retry-After", "1");
  return response;
}

Response too_many_attempts(const Error& error, std::chrono::seconds retry_after) {
  Response response = Response::json(429, {{"detail", error.message}});
  response.headers.emplace_back("Retry-After", std::to_string(retry_after.count()));
  return response;
}

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
    case ErrorCode::unavailable:
      return store_unavailable(false);
    case ErrorCode::internal:
      break;
  }
  return Response::json(500, {{"data", {{"error_msg", "Internal server error."}}}});
}

// uniform_errors: one shape, {"detail": ...}, and the status code that fits. Login failures do not
// say whether the username exists; a taken signup value does not say which one.
Response uniform_error(const Error& error) {
  switch (error.code) {
    case ErrorCode::invalid_argument:
      if (error.field == "unsupported_media_type")
        return Response::json(415, {{"detail", error.message}});
      return Response::json(400, {{"detail", error.message}});
    case ErrorCode::already_exists:
      return Response::json(409, {{"detail", "Could not sign up with these details."}});
    case ErrorCode::not_found:
    case ErrorCode::unauthenticated: {
      Response response = Response::json(401, {{"detail", "Invalid credentials."}});
      response.headers.emplace_back("WWW-Authenticate", "Bearer");
      return response;
    }
    case ErrorCode::unavailable:
      return store_unavailable(true);
    case ErrorCode::internal:
      break;
  }
  return Response::json(500, {{"detail", "Internal server error."}});
}

Response error_response(const AuthService& auth, const Error& error) {
  return auth.options().uniform_errors ? uniform_error(error) : contract_error(error);
}

Result<nlohmann::json> request_data(const Request& request) {
  return parse_body(request.header("content-type"), request.body);
}

// An IP address in canonical text form (IPv4-mapped IPv6 as plain IPv4), or empty if `text` is
// not an address.
std::string canonical_address(std::string_view text) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  std::string address(trim(text));
  if (address.size() > 2 && address.front() == '[' && address.back() == ']')
    address = address.substr(1, address.size() - 2);
  unsigned char bytes[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, address.c_str(), bytes) == 1)
    return inet_ntop(AF_INET, bytes, out, sizeof out) ? std::string(out) : std::string();
  if (inet_pton(AF_INET6, address.c_str(), bytes) == 1) {
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(std::begin(kMapped), std::end(kMapped), bytes))
      return inet_ntop(AF_INET, bytes + 12, out, sizeof out) ? std::string(out) : std::string();
    return inet_ntop(AF_INET6, bytes, out, sizeof out) ? std::string(out) : std::string();
  }
  return {};
}

bool is_trusted_proxy(const AuthOptions& options, const std::string& address) {
  return std::ranges::any_of(options.trusted_proxies, [&](const std::string& proxy) {
    return canonical_address(proxy) == address;
  });
}

// The socket's peer; behind a trusted proxy, the rightmost address of the proxy header that is
// not a trusted proxy (what the first proxy we trust saw). A malformed header is ignored.
std::string client_address(const Request& request, const AuthOptions& options) {
  std::string peer = canonical_address(request.remote_address);
  if (peer.empty()) peer = request.remote_address;
  if (options.trusted_proxy_header.empty() || !is_trusted_proxy(options, peer)) return peer;
  std::string name = options.trusted_proxy_header;
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // Every instance of the header, in order, as one comma-separated list.
  std::vector<std::string_view> hops;
  for (const auto& [header, value] : request.headers) {
    if (header != name) continue;
    std::string_view rest = value;
    while (true) {
      const auto comma = rest.find(',');
      hops.push_back(rest.substr(0, comma));
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  for (auto hop = hops.rbegin(); hop != hops.rend(); ++hop) {
    std::string address = canonical_address(*hop);
    if (address.empty()) return peer;  // not an address: believe nothing further left
    if (!is_trusted_proxy(options, address)) return address;
  }
  return peer;
}

}  // namespace

void mount_auth_routes(Router& router, AuthService& auth, std::string_view prefix) {
  std::string base = "/" + std::string(prefix);
  if (base.back() != '/') base.push_back('/');

  router.add("POST", base + "signup/", [&auth](Request& request) {
    auto data = request_data(request);
    if (!data) return error_response(auth, data.error());
    auto user = auth.signup(*data);
    if (!user) return error_response(auth, user.error());
    return Response::json(200, {{"data", *user}});
  });

  router.add("POST", base + "login/", [&auth](Request& request) {
    auto data = request_data(request);
    if (!data) return error_response(auth, data.error());
    LoginContext context{.client_address = client_address(request, auth.options())};
    auto token = auth.login(*data, context);
    if (!token) {
      if (token.error().field == "throttled")
        return too_many_attempts(token.error(), context.retry_after);
      return error_response(auth, token.error());
    }
    return Response::json(200, {{"data", {{"token", *token}}}});
  });

  router.add(
      "GET", base + "me/",
      [](Request& request) { return Response::json(200, {{"data", *request.user}}); },
      Access::authenticated_only);
}

}  // namespace mango::http
