// The SQLite store: the conformance suite on real files, plus what only this store promises
// (its file, its layout on disk, several store objects sharing one file).
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <barrier>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "mango/user_store.hpp"
#include "store_conformance.hpp"

namespace fs = std::filesystem;
using mango::Document;
using mango::ErrorCode;
using mango::open_sqlite_store;
using mango::StoreOptions;
using mango::UserStore;
using nlohmann::json;

namespace {

// A directory of its own for this test process, removed when the tests end.
class ScratchDirectory : public ::testing::Environment {
 public:
  static fs::path path() {
    static const fs::path directory = [] {
      std::random_device random;
      return fs::temp_directory_path() /
             ("mango-sqlite-test-" + std::to_string(::getpid()) + "-" + std::to_string(random()));
    }();
    return directory;
  }
  static fs::path fresh_file() {
    static std::atomic<int> counter = 0;
    return path() / ("store-" + std::to_string(++counter) + ".sqlite3");
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(path(), ignored);
  }
};
const auto* const scratch_environment = ::testing::AddGlobalTestEnvironment(new ScratchDirectory);

// A fresh file for every open.
mango::conformance::StoreUnderTest store_in_fresh_files() {
  auto last_file = std::make_shared<fs::path>();
  mango::conformance::StoreUnderTest store;
  store.name = "FreshFile";
  store.open = [last_file](const StoreOptions& options) {
    *last_file = ScratchDirectory::fresh_file();
    return open_sqlite_store(*last_file, options);
  };
  store.reopen = [last_file](const StoreOptions& options) {
    return open_sqlite_store(*last_file, options);
  };
  // A local file cannot be made unreachable on demand (and root ignores permissions).
  return store;
}

// One file for all, a fresh collection (table) for every open.
mango::conformance::StoreUnderTest store_in_shared_file() {
  auto last_collection = std::make_shared<std::string>();
  const fs::path file = ScratchDirectory::path() / "shared.sqlite3";
  mango::conformance::StoreUnderTest store;
  store.name = "SharedFile";
  store.open = [=](StoreOptions options) {
    static std::atomic<int> counter = 0;  // GoogleTest builds the parameters once per test
    *last_collection = "users_" + std::to_string(++counter);
    options.collection = *last_collection;
    return open_sqlite_store(file, options);
  };
  store.reopen = [=](StoreOptions options) {
    options.collection = *last_collection;
    return open_sqlite_store(file, options);
  };
  return store;
}

}  // namespace

using mango::conformance::StoreConformance;
INSTANTIATE_TEST_SUITE_P(SQLite, StoreConformance,
                         ::testing::Values(store_in_fresh_files(), store_in_shared_file()),
                         mango::conformance::store_name);

namespace {

Document user(const std::string& id, const std::string& email,
              const json& extra = json::object()) {
  Document document = {{"id", id}, {"email", email}, {"password", "pbkdf2_sha256$1$salt$hash"}};
  document.update(extra);
  return document;
}

std::unique_ptr<UserStore> open_or_fail(const fs::path& file, const StoreOptions& options = {}) {
  auto store = open_sqlite_store(file, options);
  EXPECT_TRUE(store.has_value()) << store.error().message;
  return store ? std::move(*store) : nullptr;
}

StoreOptions with_secondary(std::string field) {
  StoreOptions options;
  options.secondary_username_field = std::move(field);
  return options;
}

TEST(SqliteStore, CreatesTheFileAndItsMissingDirectories) {
  const fs::path file = ScratchDirectory::path() / "a" / "b" / "c" / "users.sqlite3";
  ASSERT_FALSE(fs::exists(file.parent_path()));
  auto store = open_or_fail(file);
  ASSERT_TRUE(store);
  EXPECT_TRUE(fs::is_regular_file(file));
  EXPECT_TRUE(store->ping().has_value());
}

TEST(SqliteStore, FileIsInWriteAheadLogMode) {
  const fs::path file = ScratchDirectory::fresh_file();
  ASSERT_TRUE(open_or_fail(file));
  // Bytes 18 and 19 of an SQLite file header are 2 when the journal mode is WAL.
  std::ifstream in(file, std::ios::binary);
  std::string header(20, '\0');
  in.read(header.data(), 20);
  ASSERT_TRUE(in);
  EXPECT_EQ(header.substr(0, 16), std::string("SQLite format 3\0", 16));
  EXPECT_EQ(header[18], 2);
  EXPECT_EQ(header[19], 2);
}

TEST(SqliteStore, RowsHoldTheDocumentAndTypedKeys) {
  const fs::path file = ScratchDirectory::fresh_file();
  StoreOptions options = with_secondary("mobile");
  options.collection = "people";
  {
    auto store = open_or_fail(file, options);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->insert(user("ID_1", "ada@example.com", {{"mobile", 5}})).has_value());
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> database(raw, &sqlite3_close);
  sqlite3_stmt* statement = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "SELECT id, email, secondary, document FROM people", -1,
                               &statement, nullptr),
            SQLITE_OK);
  std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> finalize(statement,
                                                                      &sqlite3_finalize);
  ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
  auto text = [&](int column) {
    return std::string(reinterpret_cast<const char*>(sqlite3_column_text(statement, column)));
  };
  EXPECT_EQ(text(0), "\"ID_1\"");
  EXPECT_EQ(text(1), "\"ada@example.com\"");
  EXPECT_EQ(text(2), "5");
  EXPECT_EQ(json::parse(text(3)), user("ID_1", "ada@example.com", {{"mobile", 5}}));
  EXPECT_EQ(sqlite3_step(statement), SQLITE_DONE);
}

TEST(SqliteStore, CollectionsInOneFileAreSeparate) {
  const fs::path file = ScratchDirectory::fresh_file();
  StoreOptions first_options, second_options;
  first_options.collection = "user_profile";
  second_options.collection = "staff";
  auto first = open_or_fail(file, first_options);
  auto second = open_or_fail(file, second_options);
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->insert(user("ID_1", "same@example.com")).has_value());
  ASSERT_TRUE(second->insert(user("ID_2", "same@example.com")).has_value());
  EXPECT_EQ(first->find_one("email", "same@example.com")->at("id"), "ID_1");
  EXPECT_EQ(second->find_one("email", "same@example.com")->at("id"), "ID_2");
  EXPECT_EQ(first->find_one("id", "ID_2").error().code, ErrorCode::not_found);
}

TEST(SqliteStore, CollectionNamesAreQuotedNotExecuted) {
  const fs::path file = ScratchDirectory::fresh_file();
  StoreOptions options;
  options.collection = "x\" (a); DROP TABLE mango_collections; --";
  auto store = open_or_fail(file, options);
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->insert(user("ID_1", "q@example.com")).has_value());
  EXPECT_TRUE(store->find_one("email", "q@example.com").has_value());
  // The bookkeeping table is still there: reopening finds the collection as it was.
  auto reopened = open_or_fail(file, options);
  ASSERT_TRUE(reopened);
  EXPECT_TRUE(reopened->find_one("id", "ID_1").has_value());
}

TEST(SqliteStore, ReservedOrEmptyCollectionNamesAreRejected) {
  for (const char* name : {"", "sqlite_master", "SQLITE_users", "mango_collections"}) {
    StoreOptions options;
    options.collection = name;
    auto store = open_sqlite_store(ScratchDirectory::fresh_file(), options);
    ASSERT_FALSE(store.has_value()) << name;
    EXPECT_EQ(store.error().code, ErrorCode::invalid_argument) << name;
    EXPECT_EQ(store.error().field, "auth_collection");
  }
}

TEST(SqliteStore, TwoStoresOnOneFileRefuseDuplicatesTogether) {
  // As two server processes sharing one file would.
  const fs::path file = ScratchDirectory::fresh_file();
  auto first = open_or_fail(file, with_secondary("mobile"));
  auto second = open_or_fail(file, with_secondary("mobile"));
  ASSERT_TRUE(first && second);
  constexpr int kThreads = 16;
  std::atomic<int> successes = 0, conflicts = 0;
  std::barrier start_together(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      UserStore& store = i % 2 == 0 ? *first : *second;
      const Document candidate =
          user("ID_" + std::to_string(i), "race@example.com", {{"mobile", std::to_string(i)}});
      start_together.arrive_and_wait();
      auto inserted = store.insert(candidate);
      if (inserted)
        ++successes;
      else if (inserted.error().code == ErrorCode::already_exists &&
               inserted.error().field == "email")
        ++conflicts;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(successes, 1);
  EXPECT_EQ(conflicts, kThreads - 1);
}

TEST(SqliteStore, DuplicateIdIsAlreadyExistsForId) {
  auto store = open_or_fail(ScratchDirectory::fresh_file());
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->insert(user("ID_1", "a@example.com")).has_value());
  auto again = store->insert(user("ID_1", "b@example.com"));
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::already_exists);
  EXPECT_EQ(again.error().field, "id");
}

TEST(SqliteStore, DocumentWithoutIdOrEmailIsInvalid) {
  auto store = open_or_fail(ScratchDirectory::fresh_file());
  ASSERT_TRUE(store);
  auto no_email = store->insert(json{{"id", "ID_1"}, {"password", "x"}});
  ASSERT_FALSE(no_email.has_value());
  EXPECT_EQ(no_email.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(no_email.error().field, "email");
  auto no_id = store->insert(json{{"email", "a@example.com"}, {"password", "x"}});
  ASSERT_FALSE(no_id.has_value());
  EXPECT_EQ(no_id.error().field, "id");
  EXPECT_EQ(store->insert(json::array()).error().code, ErrorCode::invalid_argument);
}

TEST(SqliteStore, LookupByAnUnconfiguredFieldIsInvalid) {
  auto store = open_or_fail(ScratchDirectory::fresh_file(), with_secondary("mobile"));
  ASSERT_TRUE(store);
  auto found = store->find_one("password", "x");
  ASSERT_FALSE(found.has_value());
  EXPECT_EQ(found.error().code, ErrorCode::invalid_argument);
}

TEST(SqliteStore, SecondaryFieldNamedEmailMeansNone) {
  auto store = open_or_fail(ScratchDirectory::fresh_file(), with_secondary("email"));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->insert(user("ID_1", "a@example.com")).has_value());
  auto duplicate = store->insert(user("ID_2", "a@example.com"));
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_EQ(duplicate.error().field, "email");
  EXPECT_TRUE(store->find_one("email", "a@example.com").has_value());
}

TEST(SqliteStore, InvalidUtf8IsRejectedNotStored) {
  auto store = open_or_fail(ScratchDirectory::fresh_file(), with_secondary("mobile"));
  ASSERT_TRUE(store);
  auto bad_email = store->insert(user("ID_1", "\xff@example.com"));
  ASSERT_FALSE(bad_email.has_value());
  EXPECT_EQ(bad_email.error().code, ErrorCode::invalid_argument);
  auto bad_other = store->insert(user("ID_2", "ok@example.com", {{"name", "\xfe"}}));
  ASSERT_FALSE(bad_other.has_value());
  EXPECT_EQ(bad_other.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(store->find_one("email", "\xff@example.com").error().code, ErrorCode::not_found);
  EXPECT_EQ(store->find_one("email", "ok@example.com").error().code, ErrorCode::not_found);
}

TEST(SqliteStore, SecondaryFieldWithExistingDuplicatesIsRefusedAndNothingChanges) {
  const fs::path file = ScratchDirectory::fresh_file();
  {
    auto store = open_or_fail(file, with_secondary("mobile"));
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->insert(user("ID_1", "a@example.com", {{"mobile", "1"}, {"city", "Oslo"}}))
                    .has_value());
    ASSERT_TRUE(store->insert(user("ID_2", "b@example.com", {{"mobile", "2"}, {"city", "Oslo"}}))
                    .has_value());
  }
  auto refused = open_sqlite_store(file, with_secondary("city"));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(refused.error().field, "city");

  // The failed switch was rolled back: mobile is still the unique secondary field.
  auto store = open_or_fail(file, with_secondary("mobile"));
  ASSERT_TRUE(store);
  EXPECT_EQ(store->find_one("mobile", "2")->at("id"), "ID_2");
  auto duplicate = store->insert(user("ID_3", "c@example.com", {{"mobile", "1"}}));
  ASSERT_FALSE(duplicate.has_value());
  EXPECT_EQ(duplicate.error().field, "mobile");
}

TEST(SqliteStore, RemovingTheSecondaryFieldLiftsItsUniqueness) {
  const fs::path file = ScratchDirectory::fresh_file();
  {
    auto store = open_or_fail(file, with_secondary("mobile"));
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->insert(user("ID_1", "a@example.com", {{"mobile", "1"}})).has_value());
  }
  auto store = open_or_fail(file);
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->insert(user("ID_2", "b@example.com", {{"mobile", "1"}})).has_value());
  EXPECT_EQ(store->find_one("mobile", "1").error().code, ErrorCode::invalid_argument);
}

TEST(SqliteStore, NotADatabaseFileIsAnErrorWithoutSqliteText) {
  const fs::path file = ScratchDirectory::fresh_file();
  fs::create_directories(file.parent_path());
  std::ofstream(file) << std::string(4096, 'x');
  auto store = open_sqlite_store(file, {});
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::internal);
  EXPECT_EQ(store.error().message.find("file is not a database"), std::string::npos);
}

TEST(SqliteStore, UnreachablePathIsUnavailable) {
  // A regular file where a directory should be: neither the directory nor the file can exist.
  const fs::path blocker = ScratchDirectory::fresh_file();
  fs::create_directories(blocker.parent_path());
  std::ofstream(blocker) << "not a directory";
  auto store = open_sqlite_store(blocker / "users.sqlite3", {});
  ASSERT_FALSE(store.has_value());
  EXPECT_EQ(store.error().code, ErrorCode::unavailable);

  // A directory where the file should be.
  const fs::path directory = ScratchDirectory::fresh_file();
  fs::create_directories(directory);
  auto on_directory = open_sqlite_store(directory, {});
  ASSERT_FALSE(on_directory.has_value());
  EXPECT_EQ(on_directory.error().code, ErrorCode::unavailable);
}

}  // namespace
