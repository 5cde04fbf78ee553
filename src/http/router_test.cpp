#include <gtest/gtest.h>

#include "mango/http.hpp"

using namespace mango::http;

namespace {
Request make(std::string method, std::string path) {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  return request;
}
}  // namespace

TEST(Router, MatchesWithAndWithoutTrailingSlash) {
  Router router;
  router.add("POST", "/mongo_auth/login/", [](Request&) { return Response::json(200, {{"ok", 1}}); });
  for (const char* path : {"/mongo_auth/login/", "/mongo_auth/login"}) {
    auto request = make("POST", path);
    EXPECT_EQ(router.handle(request).status, 200) << path;
  }
}

TEST(Router, UnknownPathIs404AndOtherMethodIs405WithAllow) {
  Router router;
  router.add("POST", "/a/", [](Request&) { return Response::json(200, {}); });
  auto missing = make("POST", "/b/");
  EXPECT_EQ(router.handle(missing).status, 404);
  auto wrong = make("GET", "/a/");
  Response response = router.handle(wrong);
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(nlohmann::json::parse(response.body)["detail"], "Method \"GET\" not allowed.");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].second, "POST");
}

TEST(Router, GuardedRouteWithoutAuthenticatorRefuses) {
  Router router;
  bool ran = false;
  router.add("GET", "/me/", [&](Request&) { ran = true; return Response::json(200, {}); }, true);
  auto request = make("GET", "/me/");
  Response response = router.handle(request);
  EXPECT_EQ(response.status, 403);
  EXPECT_FALSE(ran);
}

TEST(Router, HandlerExceptionBecomes500WithoutItsText) {
  Router router;
  router.add("GET", "/x", [](Request&) -> Response { throw std::runtime_error("secret detail"); });
  auto request = make("GET", "/x");
  Response response = router.handle(request);
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body.find("secret detail"), std::string::npos);
}

namespace {
class Hello : public View {
 public:
  Response get(Request&) override { return Response::json(200, {{"hello", true}}); }
};
}  // namespace

TEST(Router, ViewThroughBasePointerRoutesEveryVerb) {
  Router router;
  std::shared_ptr<View> view = std::make_shared<Hello>();  // V = View: verbs unknown
  router.add_view("/hello/", view);
  auto get = make("GET", "/hello");
  EXPECT_EQ(router.handle(get).status, 200);
  auto post = make("POST", "/hello/");
  EXPECT_EQ(router.handle(post).status, 405);  // View's default
}

TEST(Router, GroupJoinsPathsUnderItsPrefix) {
  Router router;
  router.group("api").add("GET", "/items/", [](Request&) { return Response::json(200, {}); });
  auto request = make("GET", "/api/items/");
  EXPECT_EQ(router.handle(request).status, 200);
}

TEST(Router, AuthenticatedGroupGuardsRoutesAddedBeforeIt) {
  Router router;
  router.add("GET", "/api/early/", [](Request&) { return Response::json(200, {}); });
  router.group("/api/", authenticated_only);
  auto request = make("GET", "/api/early/");
  EXPECT_EQ(router.handle(request).status, 403);  // no authenticator: always refused
}
