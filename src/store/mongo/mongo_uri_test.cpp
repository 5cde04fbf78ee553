// URI building as Mango-JWT does it, and MongoDatabase::open's checks (no server needed).
#include <gtest/gtest.h>

#include "mango/mongo.hpp"

namespace mango {
namespace {

Settings atlas_settings() {
  Settings settings;
  settings.db_host = "cluster0.example.mongodb.net";
  settings.db_name = "appdb";
  settings.db_user = "app";
  settings.db_pass = "secret";
  return settings;
}

TEST(MongoUriFromSettings, WithPortIsPlainMongodbUri) {
  Settings settings = atlas_settings();
  settings.db_host = "localhost";
  settings.db_port = "27017";
  EXPECT_EQ(mongo_uri_from_settings(settings), "mongodb://app:secret@localhost:27017/appdb");
}

TEST(MongoUriFromSettings, WithoutPortIsSrvUri) {
  EXPECT_EQ(mongo_uri_from_settings(atlas_settings()),
            "mongodb+srv://app:secret@cluster0.example.mongodb.net/appdb");
}

TEST(MongoUriFromSettings, FullUriOverridesTheParts) {
  Settings settings = atlas_settings();
  settings.db_uri = "mongodb://other:pw@db1,db2/x?replicaSet=rs0";
  EXPECT_EQ(mongo_uri_from_settings(settings), settings.db_uri);
}

TEST(MongoUriFromSettings, CredentialsArePercentEncodedLikeUrllibQuote) {
  Settings settings = atlas_settings();
  settings.db_user = "us er@x";
  settings.db_pass = "p@ss:w/rd%+é~_.-";
  settings.db_port = "27017";
  // urllib.parse.quote("p@ss:w/rd%+é~_.-") == "p%40ss%3Aw/rd%25%2B%C3%A9~_.-"
  EXPECT_EQ(mongo_uri_from_settings(settings),
            "mongodb://us%20er%40x:p%40ss%3Aw/rd%25%2B%C3%A9~_.-@cluster0.example.mongodb.net:27017/appdb");
}

TEST(PythonUrlQuote, KeepsUnreservedAndSlashEncodesTheRest) {
  EXPECT_EQ(python_url_quote("AZaz09_.-~/"), "AZaz09_.-~/");
  EXPECT_EQ(python_url_quote("!#$&'()*+,;=?@[] "), "%21%23%24%26%27%28%29%2A%2B%2C%3B%3D%3F%40%5B%5D%20");
  EXPECT_EQ(python_url_quote(std::string("\x00\x7f\xff", 3)), "%00%7F%FF");
  EXPECT_EQ(python_url_quote(""), "");
}

TEST(MongoOptionsFromSettings, UsesDbNameAndTimeout) {
  Settings settings = atlas_settings();
  settings.db_port = "27018";
  settings.db_timeout = std::chrono::milliseconds(1234);
  const MongoOptions options = mongo_options_from_settings(settings);
  EXPECT_EQ(options.uri, "mongodb://app:secret@cluster0.example.mongodb.net:27018/appdb");
  EXPECT_EQ(options.database, "appdb");
  EXPECT_EQ(options.server_selection_timeout.count(), 1234);
  EXPECT_EQ(options.socket_timeout.count(), 1234);
}

TEST(MongoDatabaseOpen, MalformedUriIsInvalidArgumentWithoutThePassword) {
  MongoOptions options;
  options.uri = "postgres://user:hunter2@localhost/db";
  auto database = MongoDatabase::open(options);
  ASSERT_FALSE(database);
  EXPECT_EQ(database.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(database.error().message.find("hunter2"), std::string::npos);
}

TEST(MongoDatabaseOpen, NeedsADatabaseName) {
  MongoOptions options;
  options.uri = "mongodb://127.0.0.1:1/";
  auto database = MongoDatabase::open(options);
  ASSERT_FALSE(database);
  EXPECT_EQ(database.error().code, ErrorCode::invalid_argument);
}

TEST(MongoDatabaseOpen, TakesTheDatabaseFromTheUriPath) {
  MongoOptions options;
  options.uri = "mongodb://127.0.0.1:1/fromuri";
  auto database = MongoDatabase::open(options);
  ASSERT_TRUE(database);
  EXPECT_EQ((*database)->name(), "fromuri");
  options.database = "explicit";
  auto explicit_database = MongoDatabase::open(options);
  ASSERT_TRUE(explicit_database);
  EXPECT_EQ((*explicit_database)->name(), "explicit");
}

TEST(MongoDatabaseOpen, UnreachableServerIsUnavailableWithinTheTimeout) {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once and the
  // call fails when server selection gives up.
  MongoOptions options;
  options.uri = "mongodb://127.0.0.1:1/db";
  options.server_selection_timeout = std::chrono::milliseconds(300);
  auto database = MongoDatabase::open(options);
  ASSERT_TRUE(database);
  auto pinged = (*database)->ping();
  ASSERT_FALSE(pinged);
  EXPECT_EQ(pinged.error().code, ErrorCode::unavailable);

  // Opening the store on it still succeeds (indexes come later); use fails as unavailable.
  auto store = open_mongo_store(*database, StoreOptions{});
  ASSERT_TRUE(store);
  auto inserted = (*store)->insert({{"id", "ID_1"}, {"email", "a@example.com"}, {"password", "x"}});
  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().code, ErrorCode::unavailable);
  auto found = (*store)->find_one("email", "a@example.com");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().code, ErrorCode::unavailable);
}

}  // namespace
}  // namespace mango
