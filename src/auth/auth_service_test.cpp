// AuthService over real parts: a SQLite file, the real hasher and token service.
#include <gtest/gtest.h>

#include <filesystem>

#include "mango/auth.hpp"
#include "user_cache.hpp"

using namespace mango;

namespace {

class AuthServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("mango-auth-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  AuthService& make(AuthOptions options = {}, std::uint32_t rounds = 1000) {
    auto store = open_sqlite_store(dir_ / "users.sqlite3",
                                   StoreOptions{"user_profile", options.secondary_username_field});
    EXPECT_TRUE(store);
    store_ = std::move(*store);
    PasswordOptions password_options;
    password_options.pbkdf2_rounds = rounds;
    hasher_ = std::move(*PasswordHasher::create(password_options));
    tokens_ = std::make_unique<TokenService>(TokenOptions{.secret = std::string(32, 'k')});
    auth_ = std::make_unique<AuthService>(options, *store_, *hasher_, *tokens_);
    return *auth_;
  }

  std::filesystem::path dir_;
  std::unique_ptr<UserStore> store_;
  std::unique_ptr<PasswordHasher> hasher_;
  std::unique_ptr<TokenService> tokens_;
  std::unique_ptr<AuthService> auth_;
};

}  // namespace

TEST_F(AuthServiceTest, SignupLoginAuthenticate) {
  auto& auth = make();
  auto user = auth.signup({{"email", "a@b.c"}, {"password", "pw"}, {"extra", 1}});
  ASSERT_TRUE(user) << user.error().message;
  EXPECT_FALSE(user->contains("password"));
  EXPECT_FALSE(user->contains("extra"));
  auto token = auth.login({{"username", "a@b.c"}, {"password", "pw"}});
  ASSERT_TRUE(token);
  auto me = auth.authenticate("Bearer " + *token);
  ASSERT_TRUE(me);
  EXPECT_EQ(*me, *user);
}

TEST_F(AuthServiceTest, MissingFieldsReportedInFixedOrder) {
  auto& auth = make({.fields = {"first_name", "mobile"}});
  auto result = auth.signup({{"mobile", "1"}});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message, "Email does not exist.");
  result = auth.signup({{"email", "a@b.c"}, {"password", "x"}, {"mobile", "1"}});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().message, "First_Name does not exist.");
}

TEST_F(AuthServiceTest, LoginErrorsAreMangoJwts) {
  auto& auth = make();
  ASSERT_TRUE(auth.signup({{"email", "a@b.c"}, {"password", "pw"}}));
  auto unknown = auth.login({{"username", "x@b.c"}, {"password", "pw"}});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::not_found);
  EXPECT_EQ(unknown.error().message, "User not found");
  auto wrong = auth.login({{"username", "a@b.c"}, {"password", "nope"}});
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::unauthenticated);
  EXPECT_EQ(wrong.error().message, "Entered Password is incorrect");
  auto no_at = auth.login({{"username", "a"}, {"password", "pw"}});
  ASSERT_FALSE(no_at);
  EXPECT_EQ(no_at.error().code, ErrorCode::not_found);
}

TEST_F(AuthServiceTest, WeakerStoredHashIsUpgradedAfterLogin) {
  make({}, 1000);
  ASSERT_TRUE(auth_->signup({{"email", "a@b.c"}, {"password", "pw"}}));
  auto before = store_->find_one("email", "a@b.c");
  ASSERT_TRUE(before);
  EXPECT_TRUE((*before)["password"].get<std::string>().starts_with("pbkdf2_sha256$1000$"));

  // Same store, a hasher configured with more rounds: login upgrades the stored hash.
  PasswordOptions stronger;
  stronger.pbkdf2_rounds = 2000;
  auto hasher = std::move(*PasswordHasher::create(stronger));
  AuthService upgraded({}, *store_, *hasher, *tokens_);
  ASSERT_TRUE(upgraded.login({{"username", "a@b.c"}, {"password", "pw"}}));
  auto after = store_->find_one("email", "a@b.c");
  ASSERT_TRUE(after);
  EXPECT_TRUE((*after)["password"].get<std::string>().starts_with("pbkdf2_sha256$2000$"));
  EXPECT_TRUE(upgraded.login({{"username", "a@b.c"}, {"password", "pw"}}));
  EXPECT_FALSE(upgraded.login({{"username", "a@b.c"}, {"password", "other"}}));
}

TEST_F(AuthServiceTest, AuthenticateFailuresSayWhy) {
  auto& auth = make();
  EXPECT_EQ(auth.authenticate("").error(), AuthFailure::no_token);
  EXPECT_EQ(auth.authenticate("garbage").error(), AuthFailure::bad_token);
  TokenService other(TokenOptions{.secret = std::string(32, 'k')});
  EXPECT_EQ(auth.authenticate(other.issue("ID_nobody")).error(), AuthFailure::unknown_user);
  TokenService expired(TokenOptions{.secret = std::string(32, 'k'),
                                    .lifetime = std::chrono::seconds(-100)});
  EXPECT_EQ(auth.authenticate(expired.issue("ID_x")).error(), AuthFailure::expired);
}

TEST(UserCache, ExpiresAfterTtlAndStaysBounded) {
  UserCache cache(std::chrono::seconds(5), 3);
  auto t0 = UserCache::Clock::now();
  cache.put("a", {{"id", "a"}}, t0);
  EXPECT_TRUE(cache.find("a", t0 + std::chrono::seconds(4)));
  EXPECT_FALSE(cache.find("a", t0 + std::chrono::seconds(5)));
  for (int i = 0; i < 10; ++i) cache.put("u" + std::to_string(i), {{"i", i}}, t0);
  EXPECT_LE(cache.size(), 3u);
  UserCache off(std::chrono::seconds(0), 3);
  off.put("a", {{"id", "a"}}, t0);
  EXPECT_FALSE(off.find("a", t0));
}

namespace {

// Counts password-hash work: verify_dummy, and verify against a hash that is actually computed
// (Django's unusable "!..." hashes are refused without any work).
class CountingHasher final : public PasswordHasher {
 public:
  explicit CountingHasher(const PasswordHasher& real) : real_(real) {}
  std::string hash(std::string_view password) const override { return real_.hash(password); }
  bool verify(std::string_view password, std::string_view encoded) const override {
    if (!encoded.empty() && encoded.front() != '!') ++work;
    return real_.verify(password, encoded);
  }
  bool needs_rehash(std::string_view encoded) const override { return real_.needs_rehash(encoded); }
  void verify_dummy(std::string_view password) const override {
    ++work;
    real_.verify_dummy(password);
  }
  mutable int work = 0;

 private:
  const PasswordHasher& real_;
};

}  // namespace

TEST_F(AuthServiceTest, EveryLoginFailureCostsExactlyOneHash) {
  make({}, 1000);
  CountingHasher counting(*hasher_);
  AuthService auth({.secondary_username_field = "", .throttle = {.pair_limit = 0,
                                                                  .address_limit = 0,
                                                                  .username_limit = 0}},
                   *store_, counting, *tokens_);
  auto user = auth.signup({{"email", "a@b.c"}, {"password", "pw"}});
  ASSERT_TRUE(user);
  ASSERT_TRUE(auth.signup({{"email", "off@b.c"}, {"password", "pw"}}));
  auto off = store_->find_one("email", "off@b.c");
  ASSERT_TRUE(off);
  ASSERT_TRUE(store_->set_password((*off)["id"].get<std::string>(), "!disabled-by-admin"));

  const std::pair<const char*, const char*> failures[] = {
      {"nobody@b.c", "pw"},  // unknown email
      {"a@b.c", "wrong"},    // wrong password
      {"nobody", "pw"},      // no '@' and no secondary field: nobody to look up
      {"off@b.c", "pw"},     // an unusable ("!") stored hash
  };
  for (const auto& [username, password] : failures) {
    SCOPED_TRACE(username);
    counting.work = 0;
    auto result = auth.login({{"username", username}, {"password", password}});
    ASSERT_FALSE(result);
    EXPECT_EQ(counting.work, 1);
  }
}

TEST_F(AuthServiceTest, UnknownSecondaryNameCostsOneHash) {
  make({.secondary_username_field = "mobile"}, 1000);
  CountingHasher counting(*hasher_);
  AuthService auth({.secondary_username_field = "mobile"}, *store_, counting, *tokens_);
  counting.work = 0;
  EXPECT_FALSE(auth.login({{"username", "5550000"}, {"password", "pw"}}));
  EXPECT_EQ(counting.work, 1);
}

TEST_F(AuthServiceTest, ThrottledLoginsAreRefusedBeforeHashingWithRetryAfter) {
  make({}, 1000);
  CountingHasher counting(*hasher_);
  AuthOptions options;
  options.throttle.pair_limit = 2;
  options.throttle.base_delay = std::chrono::seconds(30);
  AuthService auth(options, *store_, counting, *tokens_);
  ASSERT_TRUE(auth.signup({{"email", "a@b.c"}, {"password", "pw"}}));

  LoginContext here{.client_address = "10.0.0.1"};
  for (const char* username : {"a@b.c", "nobody@b.c"}) {  // existing or not: same treatment
    SCOPED_TRACE(username);
    for (int i = 0; i < 2; ++i)
      EXPECT_FALSE(auth.login({{"username", username}, {"password", "wrong"}}, here));
    counting.work = 0;
    auto refused = auth.login({{"username", username}, {"password", "pw"}}, here);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::unavailable);
    EXPECT_EQ(refused.error().field, "throttled");
    EXPECT_EQ(refused.error().message, "Too many failed attempts; retry in 30 seconds.");
    EXPECT_EQ(here.retry_after, std::chrono::seconds(30));
    EXPECT_EQ(counting.work, 0);  // no hash spent on a refused attempt
  }
  LoginContext elsewhere{.client_address = "10.0.0.2"};
  EXPECT_TRUE(auth.login({{"username", "a@b.c"}, {"password", "pw"}}, elsewhere));
}

TEST_F(AuthServiceTest, SuccessfulLoginResetsThePairsFailures) {
  make({}, 1000);
  AuthOptions options;
  options.throttle.pair_limit = 2;
  options.throttle.base_delay = std::chrono::seconds(30);
  AuthService auth(options, *store_, *hasher_, *tokens_);
  ASSERT_TRUE(auth.signup({{"email", "a@b.c"}, {"password", "pw"}}));
  LoginContext here{.client_address = "10.0.0.1"};
  EXPECT_FALSE(auth.login({{"username", "a@b.c"}, {"password", "wrong"}}, here));
  EXPECT_TRUE(auth.login({{"username", "a@b.c"}, {"password", "pw"}}, here));
  EXPECT_FALSE(auth.login({{"username", "a@b.c"}, {"password", "wrong"}}, here));
  EXPECT_TRUE(auth.login({{"username", "a@b.c"}, {"password", "pw"}}, here));  // 1 failure, not 2
}
