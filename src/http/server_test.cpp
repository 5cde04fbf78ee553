// The Server and Router over real sockets: guarded groups, views, and asynchronous handlers that
// must not hold up other connections.
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>

#include "mango/http.hpp"
#include "mango/http_asio.hpp"

using namespace mango;
using namespace mango::http;
using namespace std::chrono_literals;
namespace bhttp = boost::beast::http;

namespace {

struct Reply {
  int status = 0;
  std::string body;
  std::string allow;
};

// One blocking HTTP/1.1 request on a fresh connection.
Reply fetch(std::uint16_t port, const std::string& method, const std::string& target,
            const std::string& authorization = {}) {
  boost::asio::io_context io;
  boost::beast::tcp_stream stream(io);
  stream.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  bhttp::request<bhttp::string_body> request{bhttp::string_to_verb(method), target, 11};
  request.set(bhttp::field::host, "127.0.0.1");
  if (!authorization.empty()) request.set(bhttp::field::authorization, authorization);
  bhttp::write(stream, request);
  boost::beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> response;
  bhttp::read(stream, buffer, response);
  return {static_cast<int>(response.result_int()), response.body(),
          std::string(response[bhttp::field::allow])};
}

// A real AuthService over an embedded store in a temporary directory, with one user.
struct Auth {
  std::filesystem::path dir;
  std::unique_ptr<UserStore> store;
  std::unique_ptr<PasswordHasher> hasher;
  std::unique_ptr<TokenService> tokens;
  std::unique_ptr<AuthService> service;
  std::string token;

  Auth() {
    dir = std::filesystem::temp_directory_path() /
          ("mango_http_server_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    store = std::move(*open_sqlite_store(dir / "users.sqlite3", {}));
    hasher = std::move(*PasswordHasher::create({.scheme = "pbkdf2_sha256", .pbkdf2_rounds = 1000}));
    TokenOptions token_options;
    token_options.secret = std::string(40, 'k');
    tokens = std::make_unique<TokenService>(token_options);
    service = std::make_unique<AuthService>(AuthOptions{}, *store, *hasher, *tokens);
    auto user = service->signup({{"email", "ada@example.com"}, {"password", "pw"}});
    if (!user) user = store->find_one("email", "ada@example.com");
    token = tokens->issue((*user)["id"].get<std::string>());
  }
  ~Auth() {
    service.reset();
    store.reset();
    std::filesystem::remove_all(dir);
  }
};

class GetTest : public View {
 public:
  Response get(Request& request) override {
    return Response::json(200, {{"data", *request.user}});
  }
};

class ServerTest : public ::testing::Test {
 protected:
  Auth auth;
  Router router{auth.service.get()};
  std::unique_ptr<Server> server;

  std::uint16_t start(unsigned workers) {
    ServerOptions options;
    options.port = 0;
    options.worker_threads = workers;
    options.shutdown_grace = 2s;
    server = std::make_unique<Server>(options, router);
    EXPECT_TRUE(server->start().has_value());
    return server->port();
  }
};

}  // namespace

TEST_F(ServerTest, GroupGuardsEveryRouteUnderItsPrefix) {
  auto api = router.group("/api/", authenticated_only);
  api.add_view("test/", std::make_shared<GetTest>());
  // Added directly, after the group: still guarded because it lies under /api/.
  router.add("GET", "/api/test-fn/", [](Request& request) {
    return Response::json(200, {{"data", *request.user}});
  });
  router.add("GET", "/apixyz/", [](Request&) { return Response::json(200, {{"open", true}}); });
  auto port = start(2);

  for (const char* path : {"/api/test/", "/api/test-fn/"}) {
    Reply refused = fetch(port, "GET", path);
    EXPECT_EQ(refused.status, 403) << path;
    EXPECT_EQ(nlohmann::json::parse(refused.body)["detail"],
              "Authentication credentials were not provided.");
    EXPECT_EQ(fetch(port, "GET", path, "Bearer not-a-token").status, 403) << path;
    Reply ok = fetch(port, "GET", path, auth.token);
    EXPECT_EQ(ok.status, 200) << path;
    EXPECT_EQ(nlohmann::json::parse(ok.body)["data"]["email"], "ada@example.com") << path;
    EXPECT_FALSE(nlohmann::json::parse(ok.body)["data"].contains("password")) << path;
  }
  EXPECT_EQ(fetch(port, "GET", "/apixyz/").status, 200);  // a prefix is matched per segment
}

TEST_F(ServerTest, ViewServesOnlyItsOverriddenVerbs) {
  router.add_view("/api/test/", std::make_shared<GetTest>(), authenticated_only);
  auto port = start(1);
  Reply post = fetch(port, "POST", "/api/test/", auth.token);
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.allow, "GET");
  EXPECT_EQ(fetch(port, "GET", "/api/test", auth.token).status, 200);
}

// One worker only: if the slow handler held it, the fast request would wait for it.
TEST_F(ServerTest, SlowAsyncHandlerDoesNotBlockOtherRequests) {
  std::vector<std::thread> background;
  router.add_async("GET", "/slow/", [&](Request, Responder respond) {
    background.emplace_back([respond] {
      std::this_thread::sleep_for(1500ms);
      respond(Response::json(200, {{"slow", true}}));
    });
  });
  router.add("GET", "/fast/", [](Request&) { return Response::json(200, {{"fast", true}}); });
  auto port = start(1);

  auto started = std::chrono::steady_clock::now();
  auto slow = std::async(std::launch::async, [&] { return fetch(port, "GET", "/slow/"); });
  std::this_thread::sleep_for(200ms);  // the slow request is now with its handler
  Reply fast = fetch(port, "GET", "/fast/");
  auto fast_done = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(fast.status, 200);
  EXPECT_LT(fast_done, 1000ms);
  Reply slow_reply = slow.get();
  EXPECT_EQ(slow_reply.status, 200);
  EXPECT_EQ(slow_reply.body, R"({"slow":true})");
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1500ms);
  for (auto& thread : background) thread.join();
}

TEST_F(ServerTest, SlowCoroutineHandlerDoesNotBlockOtherRequests) {
  boost::asio::io_context io;  // the application's own event loop
  auto keep_running = boost::asio::make_work_guard(io);
  std::thread loop([&] { io.run(); });
  router.add_async(
      "GET", "/api/slow/",
      coroutine_handler(io.get_executor(),
                        [](Request request) -> boost::asio::awaitable<Response> {
                          boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor,
                                                          1500ms);
                          co_await timer.async_wait(boost::asio::use_awaitable);
                          co_return Response::json(200, {{"data", *request.user}});
                        }),
      authenticated_only);
  router.add("GET", "/fast/", [](Request&) { return Response::json(200, {{"fast", true}}); });
  auto port = start(1);

  auto started = std::chrono::steady_clock::now();
  auto slow = std::async(std::launch::async, [&] { return fetch(port, "GET", "/api/slow/", auth.token); });
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(fetch(port, "GET", "/fast/").status, 200);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1000ms);
  Reply slow_reply = slow.get();
  EXPECT_EQ(slow_reply.status, 200);
  EXPECT_EQ(nlohmann::json::parse(slow_reply.body)["data"]["email"], "ada@example.com");
  EXPECT_EQ(fetch(port, "GET", "/api/slow/").status, 403);  // guarded before the coroutine runs
  keep_running.reset();
  loop.join();
}

TEST_F(ServerTest, DroppedOrThrowingAsyncHandlerAnswers500) {
  router.add_async("GET", "/dropped/", [](Request, Responder) {});
  router.add_async("GET", "/throws/", [](Request, Responder) { throw std::runtime_error("secret"); });
  auto port = start(1);
  EXPECT_EQ(fetch(port, "GET", "/dropped/").status, 500);
  Reply thrown = fetch(port, "GET", "/throws/");
  EXPECT_EQ(thrown.status, 500);
  EXPECT_EQ(thrown.body.find("secret"), std::string::npos);
}

TEST_F(ServerTest, StopWaitsForPendingAsyncAnswers) {
  std::promise<Responder> parked;
  router.add_async("GET", "/later/", [&](Request, Responder respond) { parked.set_value(respond); });
  auto port = start(1);
  auto reply = std::async(std::launch::async, [&] { return fetch(port, "GET", "/later/"); });
  Responder respond = parked.get_future().get();
  std::thread answer([respond] {
    std::this_thread::sleep_for(300ms);
    respond(Response::json(200, {{"late", true}}));
  });
  server->stop();  // returns once the parked request is answered (or the grace ends)
  EXPECT_EQ(reply.get().status, 200);
  answer.join();
}
