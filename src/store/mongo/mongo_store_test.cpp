// The MongoDB store against a real server (FerretDB or MongoDB): the conformance suite, plus
// what is particular to MongoDB (the documents and indexes as other MongoDB clients see them,
// the application's database helper, start-up with the database down).
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ferretdb.hpp"
#include "handles.hpp"
#include "mango/mongo.hpp"
#include "store_conformance.hpp"

namespace mango {
namespace {

using mongo_detail::BsonHandle;
using mongo_detail::CollectionHandle;
using mongo_detail::CursorHandle;
using nlohmann::json;
using test_support::PrivateFerretDb;

// Short server selection so that the outage tests are quick (a stopped server refuses at once);
// a generous socket timeout because FerretDB's SQLite backend writes one at a time and answers
// slowly when several test processes insert at once.
constexpr std::chrono::milliseconds kServerSelectionTimeout{1500};
constexpr std::chrono::milliseconds kSocketTimeout{15000};

// Without a server every test here is skipped, with one message.
class NeedsMongo : public ::testing::Environment {
 public:
  void SetUp() override {
    if (!test_support::test_mongodb_uri()) GTEST_SKIP() << test_support::kNoMongoMessage;
  }
};
[[maybe_unused]] auto* const needs_mongo = ::testing::AddGlobalTestEnvironment(new NeedsMongo);

MongoOptions options_for(const std::string& uri) {
  MongoOptions options;
  options.uri = uri;
  options.server_selection_timeout = kServerSelectionTimeout;
  options.socket_timeout = kSocketTimeout;
  options.connect_timeout = kServerSelectionTimeout;
  return options;
}

// One pool per server for the whole process, as an application has.
std::shared_ptr<MongoDatabase> shared_database() {
  static std::shared_ptr<MongoDatabase> database = [] {
    auto opened = MongoDatabase::open(options_for(*test_support::test_mongodb_uri()));
    return opened ? *opened : nullptr;
  }();
  return database;
}

// Stores on fresh collections of one database; `reopen` returns to the latest one.
struct CollectionFactory {
  std::function<std::shared_ptr<MongoDatabase>()> database;
  std::string latest_collection;

  Result<std::unique_ptr<UserStore>> open(StoreOptions options) {
    latest_collection = test_support::unique_name("users_");
    return reopen(std::move(options));
  }
  Result<std::unique_ptr<UserStore>> reopen(StoreOptions options) {
    auto db = database();
    if (!db) return fail(ErrorCode::unavailable, "no test database");
    options.collection = latest_collection;
    return open_mongo_store(db, options);
  }
};

conformance::StoreUnderTest shared_server_store() {
  auto factory = std::make_shared<CollectionFactory>();
  factory->database = shared_database;
  conformance::StoreUnderTest store;
  store.name = "Mongo";
  store.open = [factory](const StoreOptions& options) { return factory->open(options); };
  store.reopen = [factory](const StoreOptions& options) { return factory->reopen(options); };
  return store;
}

// A FerretDB of this process's own, started on first use, so that the unavailability tests can
// stop and restart it.
struct PrivateServer {
  std::unique_ptr<PrivateFerretDb> ferretdb;
  std::shared_ptr<MongoDatabase> database;

  std::shared_ptr<MongoDatabase> get() {
    if (database) return database;
    ferretdb = std::make_unique<PrivateFerretDb>();
    auto uri = ferretdb->start();
    if (!uri) return nullptr;
    auto opened = MongoDatabase::open(options_for(*uri));
    if (opened) database = *opened;
    return database;
  }
};

PrivateServer& private_server() {
  static PrivateServer server;
  return server;
}

conformance::StoreUnderTest restartable_server_store() {
  auto factory = std::make_shared<CollectionFactory>();
  factory->database = [] { return private_server().get(); };
  conformance::StoreUnderTest store;
  store.name = "MongoRestartable";
  store.open = [factory](const StoreOptions& options) { return factory->open(options); };
  store.reopen = [factory](const StoreOptions& options) { return factory->reopen(options); };
  if (PrivateFerretDb::can_start()) {
    store.make_unavailable = [] { ASSERT_TRUE(private_server().ferretdb->stop()); };
    store.make_available = [] { ASSERT_TRUE(private_server().ferretdb->start()); };
  }
  return store;
}

}  // namespace

namespace conformance {
INSTANTIATE_TEST_SUITE_P(Mongo, StoreConformance,
                         ::testing::Values(shared_server_store(), restartable_server_store()),
                         store_name);
}  // namespace conformance

namespace {

class MongoStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = shared_database();
    ASSERT_TRUE(database_) << "cannot open the test database";
    collection_ = test_support::unique_name("users_");
  }

  std::unique_ptr<UserStore> open_store(const std::string& secondary = {}) {
    StoreOptions options;
    options.collection = collection_;
    options.secondary_username_field = secondary;
    auto store = open_mongo_store(database_, options);
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  // The raw documents, _id included, as any MongoDB client would read them.
  std::vector<std::vector<std::pair<std::string, bson_type_t>>> raw_documents() {
    auto lease = database_->lease();
    EXPECT_TRUE(lease);
    CollectionHandle collection(mongoc_database_get_collection(lease->database(), collection_.c_str()));
    BsonHandle filter(bson_new());
    CursorHandle cursor(mongoc_collection_find_with_opts(collection.get(), filter.get(), nullptr, nullptr));
    std::vector<std::vector<std::pair<std::string, bson_type_t>>> documents;
    const bson_t* document = nullptr;
    while (mongoc_cursor_next(cursor.get(), &document)) {
      auto& keys = documents.emplace_back();
      bson_iter_t it;
      bson_iter_init(&it, document);
      while (bson_iter_next(&it)) keys.emplace_back(bson_iter_key(&it), bson_iter_type(&it));
    }
    return documents;
  }

  // name -> the index's specification, as listIndexes returns it.
  std::map<std::string, json> indexes() {
    auto lease = database_->lease();
    EXPECT_TRUE(lease);
    CollectionHandle collection(mongoc_database_get_collection(lease->database(), collection_.c_str()));
    CursorHandle cursor(mongoc_collection_find_indexes_with_opts(collection.get(), nullptr));
    std::map<std::string, json> found;
    const bson_t* index = nullptr;
    while (mongoc_cursor_next(cursor.get(), &index)) {
      mongo_detail::BsonStringHandle text(bson_as_relaxed_extended_json(index, nullptr));
      json spec = json::parse(text.get());
      found[spec["name"].get<std::string>()] = spec;
    }
    return found;
  }

  std::shared_ptr<MongoDatabase> database_;
  std::string collection_;
};

const json kUser = {{"id", "ID_5b0f1a56-4a7b-4d47-9a84-4b0a2f3f6a11"},
                    {"email", "ada@example.com"},
                    {"password", "pbkdf2_sha256$29000$abcdefghijkl$aGFzaA=="},
                    {"mobile", "+44 7700 900123"}};

TEST_F(MongoStoreTest, StoredDocumentHasObjectIdFirstAndExactlyTheUserKeys) {
  auto store = open_store("mobile");
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->insert(kUser));

  const auto documents = raw_documents();
  ASSERT_EQ(documents.size(), 1u);
  const auto& keys = documents.front();
  ASSERT_FALSE(keys.empty());
  EXPECT_EQ(keys.front().first, "_id");
  EXPECT_EQ(keys.front().second, BSON_TYPE_OID);
  std::set<std::string> names;
  for (const auto& [name, type] : keys) {
    names.insert(name);
    if (name != "_id") {
      EXPECT_EQ(type, BSON_TYPE_UTF8) << name;
    }
  }
  EXPECT_EQ(names, (std::set<std::string>{"_id", "id", "email", "password", "mobile"}));

  // Results leave _id out.
  auto found = store->find_one("email", "ada@example.com");
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, kUser);
}

TEST_F(MongoStoreTest, AnIdInTheInputIsReplacedByAGeneratedObjectId) {
  auto store = open_store();
  ASSERT_TRUE(store);
  json user = kUser;
  user["_id"] = "chosen-by-client";
  ASSERT_TRUE(store->insert(user));
  const auto documents = raw_documents();
  ASSERT_EQ(documents.size(), 1u);
  EXPECT_EQ(documents.front().front(), std::make_pair(std::string("_id"), BSON_TYPE_OID));
}

TEST_F(MongoStoreTest, OpenCreatesTheUniqueIndexes) {
  ASSERT_TRUE(open_store("mobile"));
  auto found = indexes();
  ASSERT_TRUE(found.contains("mango_unique_email"));
  ASSERT_TRUE(found.contains("mango_unique_id"));
  ASSERT_TRUE(found.contains("mango_unique_mobile"));
  EXPECT_EQ(found["mango_unique_email"]["key"], json({{"email", 1}}));
  EXPECT_EQ(found["mango_unique_email"]["unique"], true);
  EXPECT_EQ(found["mango_unique_id"]["key"], json({{"id", 1}}));
  EXPECT_EQ(found["mango_unique_id"]["unique"], true);
  EXPECT_EQ(found["mango_unique_mobile"]["key"], json({{"mobile", 1}}));
  EXPECT_EQ(found["mango_unique_mobile"]["unique"], true);
}

TEST_F(MongoStoreTest, ReopeningWithAnotherSecondaryFieldReplacesItsIndex) {
  ASSERT_TRUE(open_store("mobile"));
  ASSERT_TRUE(open_store("username"));
  auto found = indexes();
  EXPECT_TRUE(found.contains("mango_unique_username"));
  EXPECT_FALSE(found.contains("mango_unique_mobile"));
  EXPECT_TRUE(found.contains("mango_unique_email"));
  // Another application's own index is left alone.
  auto lease = database_->lease();
  ASSERT_TRUE(lease);
  BsonHandle command(BCON_NEW("createIndexes", BCON_UTF8(collection_.c_str()), "indexes", "[", "{",
                              "key", "{", "created", BCON_INT32(1), "}", "name",
                              BCON_UTF8("app_created"), "}", "]"));
  bson_error_t error;
  ASSERT_TRUE(mongoc_database_write_command_with_opts(lease->database(), command.get(), nullptr,
                                                      nullptr, &error))
      << error.message;
  ASSERT_TRUE(open_store());
  found = indexes();
  EXPECT_TRUE(found.contains("app_created"));
  EXPECT_FALSE(found.contains("mango_unique_username"));
}

TEST_F(MongoStoreTest, QueryOperatorsInAValueAreComparedAsAValue) {
  auto store = open_store("mobile");
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->insert(kUser));
  auto injected = store->find_one("email", {{"$ne", nullptr}});
  ASSERT_FALSE(injected);
  EXPECT_EQ(injected.error().code, ErrorCode::not_found);
  auto regex = store->find_one("email", {{"$regex", ".*"}});
  ASSERT_FALSE(regex);
  EXPECT_EQ(regex.error().code, ErrorCode::not_found);
  auto operator_field = store->find_one("$where", "1");
  ASSERT_FALSE(operator_field);
  EXPECT_EQ(operator_field.error().code, ErrorCode::invalid_argument);
}

TEST_F(MongoStoreTest, DatabaseFindGivesDocumentsWithoutIdUpToTheLimit) {
  // The README example: the first 10 documents of an application's collection.
  const std::string orders = test_support::unique_name("orders_");
  {
    auto lease = database_->lease();
    ASSERT_TRUE(lease);
    CollectionHandle collection(mongoc_database_get_collection(lease->database(), orders.c_str()));
    for (int n = 0; n < 12; ++n) {
      BsonHandle document(BCON_NEW("n", BCON_INT32(n), "item", BCON_UTF8("book"), "price",
                                   BCON_DOUBLE(9.5 + n)));
      bson_error_t error;
      ASSERT_TRUE(mongoc_collection_insert_one(collection.get(), document.get(), nullptr, nullptr, &error))
          << error.message;
    }
  }
  auto first_ten = database_->find(orders, {}, 10);
  ASSERT_TRUE(first_ten) << first_ten.error().message;
  ASSERT_EQ(first_ten->size(), 10u);
  for (const json& document : *first_ten) {
    EXPECT_FALSE(document.contains("_id"));
    EXPECT_TRUE(document["n"].is_number_integer());
    EXPECT_TRUE(document["price"].is_number_float());
    EXPECT_EQ(document["item"], "book");
  }

  auto all = database_->find(orders);
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 12u);

  auto filtered = database_->find(orders, {{"n", {{"$gte", 5}}}});
  ASSERT_TRUE(filtered);
  EXPECT_EQ(filtered->size(), 7u);

  auto none = database_->find(test_support::unique_name("missing_"), {}, 10);
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(MongoStoreTest, DatabaseLeaseGivesTheConfiguredDatabase) {
  auto lease = database_->lease();
  ASSERT_TRUE(lease);
  EXPECT_NE(lease->client(), nullptr);
  EXPECT_EQ(std::string(mongoc_database_get_name(lease->database())), database_->name());
  EXPECT_TRUE(database_->ping());
}

TEST(MongoPrivateServer, StartUpWithTheDatabaseDownCreatesIndexesWhenItIsBack) {
  if (!PrivateFerretDb::can_start()) GTEST_SKIP() << "FerretDB is not installed";
  PrivateFerretDb ferretdb;
  auto uri = ferretdb.start();
  ASSERT_TRUE(uri);
  ASSERT_TRUE(ferretdb.stop());

  auto database = MongoDatabase::open(options_for(*uri));
  ASSERT_TRUE(database);
  StoreOptions options;
  options.secondary_username_field = "mobile";
  auto store = open_mongo_store(*database, options);
  ASSERT_TRUE(store) << "open must not fail while the database is down";
  auto during = (*store)->insert(kUser);
  ASSERT_FALSE(during);
  EXPECT_EQ(during.error().code, ErrorCode::unavailable);

  ASSERT_TRUE(ferretdb.start());
  ASSERT_TRUE((*store)->insert(kUser));
  json same_email = kUser;
  same_email["id"] = "ID_other";
  same_email["mobile"] = "other";
  auto duplicate = (*store)->insert(same_email);
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().code, ErrorCode::already_exists);
  EXPECT_EQ(duplicate.error().field, "email");
  json same_mobile = kUser;
  same_mobile["id"] = "ID_third";
  same_mobile["email"] = "third@example.com";
  duplicate = (*store)->insert(same_mobile);
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().field, "mobile");
}

}  // namespace
}  // namespace mango
