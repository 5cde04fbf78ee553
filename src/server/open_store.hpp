#pragma once

#include "mango/settings.hpp"
#include "mango/user_store.hpp"

namespace mango {

// The store the settings ask for: MongoDB when a database is configured, else the embedded
// SQLite file <data_dir>/users.sqlite3.
Result<std::unique_ptr<UserStore>> open_store(const Settings& settings, const StoreOptions& options);

}  // namespace mango
