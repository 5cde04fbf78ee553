// The behaviour every UserStore must show. Each TEST_P is named for what a user of the store
// would notice; the store under test is the parameter (see store_conformance.hpp).
#include "store_conformance.hpp"

#include <atomic>
#include <barrier>
#include <cstdint>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

namespace mango::conformance {

using nlohmann::json;

std::string store_name(const ::testing::TestParamInfo<StoreUnderTest>& info) {
  return info.param.name;
}

void PrintTo(const StoreUnderTest& store, std::ostream* out) { *out << store.name; }

void StoreConformance::TearDown() {
  if (left_unavailable_) make_available();
}

std::unique_ptr<UserStore> StoreConformance::open_store(const StoreOptions& options) {
  auto store = GetParam().open(options);
  if (!store) {
    ADD_FAILURE() << "open failed: " << store.error().message;
    return nullptr;
  }
  return std::move(*store);
}

Document StoreConformance::make_user(const std::string& email, const json& extra) {
  // Unique ids across threads without sharing a generator.
  thread_local std::mt19937_64 random{std::random_device{}()};
  const std::uint64_t high = random();
  const std::uint64_t low = random();
  char id[64];
  std::snprintf(id, sizeof id, "ID_%08llx-%04llx-4%03llx-a%03llx-%012llx",
                static_cast<unsigned long long>(high >> 32),
                static_cast<unsigned long long>((high >> 16) & 0xffff),
                static_cast<unsigned long long>(high & 0xfff),
                static_cast<unsigned long long>(low >> 52),
                static_cast<unsigned long long>(low & 0xffffffffffff));
  Document user = {
      {"id", id},
      {"email", email},
      {"password", "pbkdf2_sha256$29000$abcdefghijkl$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHM="},
  };
  user.update(extra);
  return user;
}

void StoreConformance::make_unavailable() {
  GetParam().make_unavailable();
  left_unavailable_ = true;
}

void StoreConformance::make_available() {
  GetParam().make_available();
  left_unavailable_ = false;
}

namespace {

// Asserts that `result` failed with `code` (and, when given, for `field`).
template <class T>
::testing::AssertionResult failed_with(const Result<T>& result, ErrorCode code,
                                       std::string_view field = {}) {
  if (result.has_value()) return ::testing::AssertionFailure() << "succeeded";
  if (result.error().code != code)
    return ::testing::AssertionFailure()
           << "error code " << static_cast<int>(result.error().code) << " ("
           << result.error().message << "), expected " << static_cast<int>(code);
  if (!field.empty() && result.error().field != field)
    return ::testing::AssertionFailure()
           << "error field '" << result.error().field << "', expected '" << field << "'";
  return ::testing::AssertionSuccess();
}

template <class T>
::testing::AssertionResult succeeded(const Result<T>& result) {
  if (result.has_value()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "failed: code " << static_cast<int>(result.error().code)
                                       << ", message '" << result.error().message << "', field '"
                                       << result.error().field << "'";
}

StoreOptions with_secondary(std::string field) {
  StoreOptions options;
  options.secondary_username_field = std::move(field);
  return options;
}

}  // namespace

TEST_P(StoreConformance, InsertedUserIsFoundByIdEmailAndSecondaryField) {
  auto store = open_store(with_secondary("mobile"));
  ASSERT_TRUE(store);
  const Document user = make_user("ada@example.com", {{"mobile", "+44 7700 900123"}});
  ASSERT_TRUE(succeeded(store->insert(user)));

  for (const char* field : {"id", "email", "mobile"}) {
    auto found = store->find_one(field, user[field]);
    ASSERT_TRUE(succeeded(found)) << "by " << field;
    EXPECT_EQ(*found, user) << "by " << field;
  }
}

TEST_P(StoreConformance, FindsEachUserByEachUsernameFieldAmongMany) {
  auto store = open_store(with_secondary("username"));
  ASSERT_TRUE(store);
  std::vector<Document> users;
  for (int i = 0; i < 10; ++i) {
    users.push_back(make_user("user" + std::to_string(i) + "@example.com",
                              {{"username", "user" + std::to_string(i)}, {"rank", i}}));
    ASSERT_TRUE(succeeded(store->insert(users.back())));
  }
  for (const Document& user : users) {
    for (const char* field : {"id", "email", "username"}) {
      auto found = store->find_one(field, user[field]);
      ASSERT_TRUE(succeeded(found)) << "by " << field << " = " << user[field];
      EXPECT_EQ(*found, user) << "by " << field;
    }
  }
}

TEST_P(StoreConformance, DuplicateEmailIsAlreadyExistsForEmail) {
  auto store = open_store(with_secondary("mobile"));
  ASSERT_TRUE(store);
  const Document first = make_user("dup@example.com", {{"mobile", "111"}});
  ASSERT_TRUE(succeeded(store->insert(first)));

  const Document second = make_user("dup@example.com", {{"mobile", "222"}});
  EXPECT_TRUE(failed_with(store->insert(second), ErrorCode::already_exists, "email"));

  // The first user is untouched and the second was not stored at all.
  auto found = store->find_one("email", "dup@example.com");
  ASSERT_TRUE(succeeded(found));
  EXPECT_EQ(*found, first);
  EXPECT_TRUE(failed_with(store->find_one("id", second["id"]), ErrorCode::not_found));
  EXPECT_TRUE(failed_with(store->find_one("mobile", "222"), ErrorCode::not_found));
}

TEST_P(StoreConformance, DuplicateSecondaryValueIsAlreadyExistsForThatField) {
  auto store = open_store(with_secondary("mobile"));
  ASSERT_TRUE(store);
  ASSERT_TRUE(succeeded(store->insert(make_user("a@example.com", {{"mobile", "555"}}))));

  const Document second = make_user("b@example.com", {{"mobile", "555"}});
  EXPECT_TRUE(failed_with(store->insert(second), ErrorCode::already_exists, "mobile"));
  EXPECT_TRUE(failed_with(store->find_one("email", "b@example.com"), ErrorCode::not_found));
}

TEST_P(StoreConformance, ConcurrentInsertsOfOneEmailLetExactlyOneSucceed) {
  auto store = open_store(with_secondary("mobile"));
  ASSERT_TRUE(store);
  constexpr int kThreads = 20;
  std::atomic<int> successes = 0;
  std::atomic<int> email_conflicts = 0;
  std::atomic<int> other_failures = 0;
  std::barrier start_together(kThreads);

  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      // Distinct secondary values so that only the email can collide.
      const Document user = make_user("race@example.com", {{"mobile", std::to_string(i)}});
      start_together.arrive_and_wait();
      auto inserted = store->insert(user);
      if (inserted)
        ++successes;
      else if (inserted.error().code == ErrorCode::already_exists &&
               inserted.error().field == "email")
        ++email_conflicts;
      else
        ++other_failures;
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(successes, 1);
  EXPECT_EQ(email_conflicts, kThreads - 1);
  EXPECT_EQ(other_failures, 0);
  EXPECT_TRUE(succeeded(store->find_one("email", "race@example.com")));
}

TEST_P(StoreConformance, ManyThreadsInsertAndFindDistinctUsers) {
  auto store = open_store(with_secondary("mobile"));
  ASSERT_TRUE(store);
  constexpr int kThreads = 8;
  constexpr int kUsersPerThread = 25;
  std::atomic<int> failures = 0;

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kUsersPerThread; ++i) {
        const Document user = make_user("t" + std::to_string(t) + "u" + std::to_string(i) + "@example.com",
                                        {{"mobile", std::to_string(t) + "-" + std::to_string(i)}});
        if (!store->insert(user)) ++failures;
        auto found = store->find_one("id", user["id"]);
        if (!found || *found != user) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();

  EXPECT_EQ(failures, 0);
  for (int t = 0; t < kThreads; ++t)
    EXPECT_TRUE(succeeded(store->find_one("mobile", std::to_string(t) + "-" + std::to_string(kUsersPerThread - 1))));
}

TEST_P(StoreConformance, LookupComparesValuesWithTheirJsonType) {
  auto store = open_store(with_secondary("mobile"));
  ASSERT_TRUE(store);
  const Document text_five = make_user("text@example.com", {{"mobile", "5"}});
  ASSERT_TRUE(succeeded(store->insert(text_five)));

  // 5 is not "5": no match, and no uniqueness conflict either (as in MongoDB).
  EXPECT_TRUE(failed_with(store->find_one("mobile", 5), ErrorCode::not_found));
  const Document number_five = make_user("number@example.com", {{"mobile", 5}});
  ASSERT_TRUE(succeeded(store->insert(number_five)));

  auto by_text = store->find_one("mobile", "5");
  ASSERT_TRUE(succeeded(by_text));
  EXPECT_EQ((*by_text)["email"], "text@example.com");
  auto by_number = store->find_one("mobile", 5);
  ASSERT_TRUE(succeeded(by_number));
  EXPECT_EQ((*by_number)["email"], "number@example.com");

  // true is not 1 either.
  ASSERT_TRUE(succeeded(store->insert(make_user("bool@example.com", {{"mobile", true}}))));
  auto by_bool = store->find_one("mobile", true);
  ASSERT_TRUE(succeeded(by_bool));
  EXPECT_EQ((*by_bool)["email"], "bool@example.com");
  EXPECT_TRUE(failed_with(store->find_one("mobile", 1), ErrorCode::not_found));

  // An email given as a non-string never matches the string.
  EXPECT_TRUE(failed_with(store->find_one("email", json::array({"text@example.com"})),
                          ErrorCode::not_found));
}

TEST_P(StoreConformance, NumbersCompareByValueAcrossIntegerAndFloat) {
  // MongoDB compares numbers by value whatever their BSON type: 7 matches 7.0.
  auto store = open_store(with_secondary("mobile"));
  ASSERT_TRUE(store);
  ASSERT_TRUE(succeeded(store->insert(make_user("seven@example.com", {{"mobile", 7}}))));
  auto found = store->find_one("mobile", 7.0);
  ASSERT_TRUE(succeeded(found));
  EXPECT_EQ((*found)["email"], "seven@example.com");
  EXPECT_TRUE(failed_with(store->insert(make_user("float@example.com", {{"mobile", 7.0}})),
                          ErrorCode::already_exists, "mobile"));
}

TEST_P(StoreConformance, FieldTypesArePreserved) {
  auto store = open_store();
  ASSERT_TRUE(store);
  const Document user = make_user(
      "types@example.com",
      {{"age", 42},
       {"negative", -7},
       {"big", std::int64_t{9'007'199'254'740'993}},  // beyond a double's exact integers
       {"height", 1.85},
       {"tenth", 0.1},
       {"verified", true},
       {"banned", false},
       {"nickname", nullptr},
       {"address", {{"city", "Zürich"}, {"zip", "8001"}, {"geo", {{"lat", 47.37}, {"lon", 8.54}}}}},
       {"tags", json::array({"a", 1, 2.5, false, nullptr, json::object({{"k", "v"}})})},
       {"empty_list", json::array()},
       {"empty_object", json::object()},
       {"name", "Zoë Ω 名前 🐍"},
       {"quote", "it's \"quoted\" \\ and\nnew-lined"}});
  ASSERT_TRUE(succeeded(store->insert(user)));

  auto found = store->find_one("id", user["id"]);
  ASSERT_TRUE(succeeded(found));
  EXPECT_EQ(*found, user);
  // Same value is not enough: the JSON types must match too.
  EXPECT_TRUE((*found)["age"].is_number_integer());
  EXPECT_TRUE((*found)["height"].is_number_float());
  EXPECT_TRUE((*found)["verified"].is_boolean());
  EXPECT_TRUE((*found)["nickname"].is_null());
  EXPECT_TRUE((*found)["address"].is_object());
  EXPECT_TRUE((*found)["tags"].is_array());
  EXPECT_EQ((*found)["big"].get<std::int64_t>(), 9'007'199'254'740'993);
  EXPECT_EQ((*found)["name"].get<std::string>(), "Zoë Ω 名前 🐍");
}

TEST_P(StoreConformance, UnicodeEmailIsFoundExactly) {
  auto store = open_store();
  ASSERT_TRUE(store);
  const Document user = make_user("zoë@exämple.com");
  ASSERT_TRUE(succeeded(store->insert(user)));
  auto found = store->find_one("email", "zoë@exämple.com");
  ASSERT_TRUE(succeeded(found));
  EXPECT_EQ(*found, user);
  // Exact match only: Mango-JWT does no case folding.
  EXPECT_TRUE(failed_with(store->find_one("email", "ZOË@EXÄMPLE.COM"), ErrorCode::not_found));
}

TEST_P(StoreConformance, SetPasswordReplacesOnlyTheHash) {
  auto store = open_store(with_secondary("mobile"));
  ASSERT_TRUE(store);
  const Document user = make_user("rehash@example.com", {{"mobile", "42"}, {"age", 30}});
  const Document other = make_user("other@example.com", {{"mobile", "43"}});
  ASSERT_TRUE(succeeded(store->insert(user)));
  ASSERT_TRUE(succeeded(store->insert(other)));

  const std::string new_hash = "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA";
  ASSERT_TRUE(succeeded(store->set_password(user["id"].get<std::string>(), new_hash)));

  Document expected = user;
  expected["password"] = new_hash;
  for (const char* field : {"id", "email", "mobile"}) {
    auto found = store->find_one(field, user[field]);
    ASSERT_TRUE(succeeded(found)) << "by " << field;
    EXPECT_EQ(*found, expected) << "by " << field;
  }
  auto untouched = store->find_one("id", other["id"]);
  ASSERT_TRUE(succeeded(untouched));
  EXPECT_EQ(*untouched, other);
}

TEST_P(StoreConformance, SetPasswordOfUnknownUserIsNotFound) {
  auto store = open_store();
  ASSERT_TRUE(store);
  EXPECT_TRUE(failed_with(store->set_password("ID_no-such-user", "pbkdf2_sha256$1$a$b"),
                          ErrorCode::not_found));
}

TEST_P(StoreConformance, UnknownIdEmailOrSecondaryIsNotFound) {
  auto store = open_store(with_secondary("mobile"));
  ASSERT_TRUE(store);
  ASSERT_TRUE(succeeded(store->insert(make_user("known@example.com", {{"mobile", "1"}}))));
  EXPECT_TRUE(failed_with(store->find_one("id", "ID_no-such-user"), ErrorCode::not_found));
  EXPECT_TRUE(failed_with(store->find_one("email", "unknown@example.com"), ErrorCode::not_found));
  EXPECT_TRUE(failed_with(store->find_one("mobile", "2"), ErrorCode::not_found));
}

TEST_P(StoreConformance, EmptyStoreFindsNothingAndAnswersPing) {
  auto store = open_store();
  ASSERT_TRUE(store);
  EXPECT_TRUE(succeeded(store->ping()));
  EXPECT_TRUE(failed_with(store->find_one("id", "ID_x"), ErrorCode::not_found));
  EXPECT_TRUE(failed_with(store->find_one("email", "x@example.com"), ErrorCode::not_found));
}

TEST_P(StoreConformance, WithoutSecondaryFieldAnyNumberOfUsersMayLackIt) {
  auto store = open_store();
  ASSERT_TRUE(store);
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(succeeded(store->insert(make_user("plain" + std::to_string(i) + "@example.com"))));
  // Without a secondary field configured, equal values of other fields do not conflict.
  ASSERT_TRUE(succeeded(store->insert(make_user("m1@example.com", {{"mobile", "same"}}))));
  ASSERT_TRUE(succeeded(store->insert(make_user("m2@example.com", {{"mobile", "same"}}))));
}

TEST_P(StoreConformance, UsersLackingTheConfiguredSecondaryFieldDoNotConflict) {
  // The secondary field is unique only among users that have it (a partial index in MongoDB).
  auto store = open_store(with_secondary("mobile"));
  ASSERT_TRUE(store);
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(succeeded(store->insert(make_user("nomobile" + std::to_string(i) + "@example.com"))));
  ASSERT_TRUE(succeeded(store->insert(make_user("withmobile@example.com", {{"mobile", "9"}}))));
}

TEST_P(StoreConformance, DataSurvivesReopening) {
  if (!GetParam().reopen) GTEST_SKIP() << "this store cannot be reopened";
  const Document user = make_user("keep@example.com", {{"mobile", "77"}});
  {
    auto store = open_store(with_secondary("mobile"));
    ASSERT_TRUE(store);
    ASSERT_TRUE(succeeded(store->insert(user)));
  }
  auto reopened = GetParam().reopen(with_secondary("mobile"));
  ASSERT_TRUE(succeeded(reopened));
  auto found = (*reopened)->find_one("mobile", "77");
  ASSERT_TRUE(succeeded(found));
  EXPECT_EQ(*found, user);
  EXPECT_TRUE(failed_with((*reopened)->insert(make_user("keep@example.com")),
                          ErrorCode::already_exists, "email"));
}

TEST_P(StoreConformance, ChangedSecondaryFieldAppliesToExistingUsers) {
  if (!GetParam().reopen) GTEST_SKIP() << "this store cannot be reopened";
  const Document user =
      make_user("switch@example.com", {{"mobile", "100"}, {"username", "switcher"}});
  {
    auto store = open_store(with_secondary("mobile"));
    ASSERT_TRUE(store);
    ASSERT_TRUE(succeeded(store->insert(user)));
  }
  auto reopened = GetParam().reopen(with_secondary("username"));
  ASSERT_TRUE(succeeded(reopened));
  UserStore& store = **reopened;

  auto found = store.find_one("username", "switcher");
  ASSERT_TRUE(succeeded(found));
  EXPECT_EQ(*found, user);
  EXPECT_TRUE(failed_with(store.insert(make_user("x@example.com", {{"username", "switcher"}})),
                          ErrorCode::already_exists, "username"));
  // The old secondary field is an ordinary field now.
  EXPECT_TRUE(succeeded(store.insert(make_user("y@example.com", {{"mobile", "100"}}))));
}

TEST_P(StoreConformance, UnavailableDatabaseGivesUnavailableThenRecovers) {
  if (!GetParam().make_unavailable || !GetParam().make_available)
    GTEST_SKIP() << "this store cannot be made unavailable";
  auto store = open_store(with_secondary("mobile"));
  ASSERT_TRUE(store);
  const Document before = make_user("before@example.com", {{"mobile", "1"}});
  ASSERT_TRUE(succeeded(store->insert(before)));

  make_unavailable();
  EXPECT_TRUE(failed_with(store->ping(), ErrorCode::unavailable));
  EXPECT_TRUE(failed_with(store->insert(make_user("during@example.com")), ErrorCode::unavailable));
  EXPECT_TRUE(failed_with(store->find_one("id", before["id"]), ErrorCode::unavailable));
  EXPECT_TRUE(failed_with(store->find_one("email", "before@example.com"), ErrorCode::unavailable));
  EXPECT_TRUE(failed_with(store->set_password(before["id"].get<std::string>(), "x$y"),
                          ErrorCode::unavailable));

  make_available();
  EXPECT_TRUE(succeeded(store->ping()));
  auto found = store->find_one("id", before["id"]);
  ASSERT_TRUE(succeeded(found));
  EXPECT_EQ(*found, before);
  EXPECT_TRUE(succeeded(store->insert(make_user("after@example.com", {{"mobile", "2"}}))));
  EXPECT_TRUE(succeeded(store->find_one("email", "after@example.com")));
}

}  // namespace mango::conformance
