#include "open_store.hpp"

#include <filesystem>

namespace mango {

Result<OpenedStore> open_store(const Settings& settings, const StoreOptions& options) {
  if (settings.uses_mongo()) {
    auto database = MongoDatabase::open(mongo_options_from_settings(settings));
    if (!database) return std::unexpected(database.error());
    auto store = open_mongo_store(*database, options);
    if (!store) return std::unexpected(store.error());
    return OpenedStore{std::move(*store), std::move(*database)};
  }
  // The data directory holds password hashes and the signing key: owner only.
  std::error_code ec;
  std::filesystem::create_directories(settings.data_dir, ec);
  if (ec)
    return fail(ErrorCode::internal,
                "cannot create data_dir " + settings.data_dir.string() + ": " + ec.message());
  std::filesystem::permissions(settings.data_dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  auto store = open_sqlite_store(settings.data_dir / "users.sqlite3", options);
  if (!store) return std::unexpected(store.error());
  return OpenedStore{std::move(*store), nullptr};
}

}  // namespace mango
