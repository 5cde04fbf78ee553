// Mango-JWT authentication in a cpp-httplib server, through mango::Authenticator (no mango HTTP
// server involved):
//   GET  /api/test/              authenticated-only: {"data": <user>}, else DRF's 403
//   POST /mongo_auth/signup/     Mango-JWT's routes, forwarded to mango's router so their
//   POST /mongo_auth/login/      answers are exactly Mango-JWT's
// Settings come from MANGO_JWT_* variables; the port from MANGO_JWT_LISTEN (host:port).
#include <httplib.h>
#include <mango/authenticator.hpp>
#include <mango/http.hpp>

#include <iostream>

namespace {

// cpp-httplib request -> mango request (header names in lower case, as mango expects).
mango::http::Request to_mango(const httplib::Request& in) {
  mango::http::Request out;
  out.method = in.method;
  out.path = in.path;
  out.body = in.body;
  out.remote_address = in.remote_addr;
  for (const auto& [name, value] : in.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace_back(std::move(lower), value);
  }
  return out;
}

void answer(httplib::Response& out, const mango::http::Response& in) {
  out.status = in.status;
  for (const auto& [name, value] : in.headers) out.set_header(name, value);
  out.set_content(in.body, in.content_type.c_str());
}

}  // namespace

int main() {
  std::vector<std::string> warnings;
  mango::SettingsSources sources;
  sources.environment = mango::process_environment();
  auto settings = mango::load_settings(sources, warnings);
  if (!settings) {
    std::cerr << "httplib_guard: " << settings.error().message << "\n";
    return 2;
  }
  auto authenticator = mango::Authenticator::create(*settings, warnings);
  for (const auto& warning : warnings) std::cerr << "httplib_guard: warning: " << warning << "\n";
  if (!authenticator) {
    std::cerr << "httplib_guard: " << authenticator.error().message << "\n";
    return 2;
  }
  const mango::Authenticator& auth = **authenticator;

  httplib::Server server;
  // The guard: one call with the Authorization header's value.
  server.Get("/api/test/?", [&auth](const httplib::Request& request, httplib::Response& response) {
    auto user = auth.authenticate(request.get_header_value("Authorization"));
    if (!user) {
      mango::Refusal refused = mango::refusal(user.error());
      response.status = refused.status;
      response.set_header("X-Auth-Failure", mango::describe(user.error()));
      response.set_content(refused.body, "application/json");
      return;
    }
    response.set_content(nlohmann::json{{"data", *user}}.dump(), "application/json");
  });
  // Signup and login: mango's router gives Mango-JWT's exact answers.
  auto forward = [&auth](const httplib::Request& request, httplib::Response& response) {
    auto mango_request = to_mango(request);
    answer(response, auth.router().handle(mango_request));
  };
  const std::string prefix = "/" + settings->url_prefix;
  server.Post(prefix + "signup/?", forward);
  server.Post(prefix + "login/?", forward);

  if (!server.bind_to_port(settings->listen_host, settings->listen_port)) {
    std::cerr << "httplib_guard: cannot listen on " << settings->listen_host << ":"
              << settings->listen_port << "\n";
    return 1;
  }
  std::cout << "httplib_guard listening on port " << settings->listen_port << std::endl;
  server.listen_after_bind();
}
