#include "open_store.hpp"

namespace mango {

Result<std::unique_ptr<UserStore>> open_store(const Settings& settings, const StoreOptions& options) {
  if (settings.uses_mongo())
    return fail(ErrorCode::internal, "the MongoDB store is not built yet");
  return open_sqlite_store(settings.data_dir / "users.sqlite3", options);
}

}  // namespace mango
