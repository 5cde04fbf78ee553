// MongoDB access: the connection pool shared by the user store and the application (the C++
// counterpart of Mango-JWT's `from mongo_auth.db import database`), and the MongoDB UserStore.
//
// This is the one public header that shows libmongoc types (for applications that want the raw
// driver handles); everything else in mango-jwt stays free of them.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <mongoc/mongoc.h>
#include <nlohmann/json.hpp>

#include "mango/error.hpp"
#include "mango/settings.hpp"
#include "mango/user_store.hpp"

namespace mango {

// The URI Mango-JWT connects to, built the same way:
//   db_uri set           -> db_uri as is
//   db_port set          -> mongodb://<user>:<pass>@<db_host>:<db_port>/<db_name>
//   otherwise            -> mongodb+srv://<user>:<pass>@<db_host>/<db_name>
// with user and pass percent-encoded like Python's urllib.parse.quote (safe='/').
std::string mongo_uri_from_settings(const Settings& settings);

// Percent-encodes like Python's urllib.parse.quote(text) with its default safe='/'.
std::string python_url_quote(std::string_view text);

struct MongoOptions {
  std::string uri;       // a MongoDB connection string (mongodb:// or mongodb+srv://)
  std::string database;  // empty: the database named in the URI's path
  // How long a call waits for a reachable server before failing with `unavailable`
  // (serverSelectionTimeoutMS), and how long a socket may wait for a server's answer
  // (socketTimeoutMS) / to connect (connectTimeoutMS). An option written in the URI itself wins.
  std::chrono::milliseconds server_selection_timeout{5000};
  std::chrono::milliseconds socket_timeout{5000};
  std::chrono::milliseconds connect_timeout{5000};
  std::uint32_t max_pool_size = 100;  // maxPoolSize, unless the URI sets it
};

// MongoOptions from settings: mongo_uri_from_settings, db_name, and db_timeout for every timeout.
MongoOptions mongo_options_from_settings(const Settings& settings);

// One process-wide pool of MongoDB clients for one database. Thread-safe. Opening does not
// contact the server: an unreachable database shows up as `unavailable` on use, and the pool
// reconnects by itself once the server is back.
class MongoDatabase {
 public:
  // invalid_argument for a malformed URI or no database name; unavailable when the pool cannot
  // be created (e.g. an SRV host that does not resolve).
  static Result<std::shared_ptr<MongoDatabase>> open(const MongoOptions& options);

  ~MongoDatabase();
  MongoDatabase(const MongoDatabase&) = delete;
  MongoDatabase& operator=(const MongoDatabase&) = delete;

  // A client taken from the pool, with its handle on the database; both go back when the lease
  // is destroyed. Use it from one thread at a time. The handles are valid while the lease lives.
  class Lease {
   public:
    Lease(Lease&&) noexcept;
    Lease& operator=(Lease&&) noexcept;
    ~Lease();

    mongoc_client_t* client() const;
    mongoc_database_t* database() const;

   private:
    friend class MongoDatabase;
    struct Handles;
    explicit Lease(std::unique_ptr<Handles> handles);
    std::unique_ptr<Handles> handles_;
  };

  // Waits for a free client if all max_pool_size are lent out; unavailable only if the URI sets
  // waitQueueTimeoutMS and none is free by then.
  Result<Lease> lease() const;

  const std::string& name() const;

  // Up to `limit` documents (0: all) of `collection` matching `filter` (a JSON object; BSON types
  // JSON lacks are written as relaxed Extended JSON), without _id. The README example:
  //   database->find("orders", {}, 10)   // the first 10 documents, like
  //   list(database.orders.find({}, {"_id": 0}).limit(10)) in Python
  Result<std::vector<nlohmann::json>> find(std::string_view collection,
                                           const nlohmann::json& filter = nlohmann::json::object(),
                                           std::int64_t limit = 0) const;

  // ok when the server answers a ping; unavailable otherwise.
  Result<void> ping() const;

 private:
  struct Impl;
  explicit MongoDatabase(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The MongoDB user store over a shared pool. Documents are stored as Mango-JWT stores them
// (with an ObjectId _id, which results leave out). At open it creates the unique indexes
// (email; the secondary field, sparse so that users without it never collide; id) and drops the
// unique index of a previously configured secondary field; if the database is down then, open
// still succeeds and the indexes are created before the next insert.
Result<std::unique_ptr<UserStore>> open_mongo_store(std::shared_ptr<MongoDatabase> database,
                                                    const StoreOptions& options);

// The same with a pool of its own.
Result<std::unique_ptr<UserStore>> open_mongo_store(const MongoOptions& mongo,
                                                    const StoreOptions& options);

}  // namespace mango
