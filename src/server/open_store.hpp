#pragma once

#include <memory>

#include "mango/mongo.hpp"
#include "mango/settings.hpp"
#include "mango/user_store.hpp"

namespace mango {

struct OpenedStore {
  std::unique_ptr<UserStore> store;
  std::shared_ptr<MongoDatabase> mongo;  // the shared pool, when the store is MongoDB
};

// The store the settings ask for: MongoDB when a database is configured, else the embedded
// SQLite file <data_dir>/users.sqlite3. Neither needs the database to be up to open.
Result<OpenedStore> open_store(const Settings& settings, const StoreOptions& options);

}  // namespace mango
