// Mango-JWT's GetTest view in C++, written both ways:
//   GET /api/test/     a handler object (DRF's APIView)
//   GET /api/test-fn/  a plain function  (DRF's @api_view(["GET"]))
// Both live under /api/, which is authenticated-only as a group (Mango-JWT's AuthenticatedOnly).
// Signup and login are at /mongo_auth/signup/ and /mongo_auth/login/ as with Mango-JWT.
// Settings come from MANGO_JWT_* variables (MANGO_JWT_LISTEN, MANGO_JWT_DB_URI, ...).
#include <mango/application.hpp>

#include <iostream>

class GetTest : public mango::http::View {
 public:
  mango::http::Response get(mango::http::Request& request) override {
    return mango::http::Response::json(200, {{"data", *request.user}});
  }
};

mango::http::Response get_test(mango::http::Request& request) {
  return mango::http::Response::json(200, {{"data", *request.user}});
}

int main() {
  std::vector<std::string> warnings;
  mango::SettingsSources sources;
  sources.environment = mango::process_environment();
  auto settings = mango::load_settings(sources, warnings);
  if (!settings) {
    std::cerr << "get_test: " << settings.error().message << "\n";
    return 2;
  }
  auto app = mango::Application::create(*settings, warnings);
  for (const auto& warning : warnings) std::cerr << "get_test: warning: " << warning << "\n";
  if (!app) {
    std::cerr << "get_test: " << app.error().message << "\n";
    return 2;
  }

  auto api = (*app)->router().group("/api/", mango::http::authenticated_only);
  api.add_view("test/", std::make_shared<GetTest>());
  api.add("GET", "test-fn/", get_test);

  if (auto started = (*app)->start(); !started) {
    std::cerr << "get_test: " << started.error().message << "\n";
    return 1;
  }
  std::cout << "get_test listening on port " << (*app)->port() << std::endl;
  (*app)->wait_for_signal();
}
