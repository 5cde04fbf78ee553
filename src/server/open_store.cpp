#include "open_store.hpp"

#include <filesystem>

namespace mango {

Result<std::unique_ptr<UserStore>> open_store(const Settings& settings, const StoreOptions& options) {
  if (settings.uses_mongo())
    return fail(ErrorCode::internal, "the MongoDB store is not built yet");
  // The data directory holds password hashes and the signing key: owner only.
  std::error_code ec;
  std::filesystem::create_directories(settings.data_dir, ec);
  if (ec)
    return fail(ErrorCode::internal,
                "cannot create data_dir " + settings.data_dir.string() + ": " + ec.message());
  std::filesystem::permissions(settings.data_dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  return open_sqlite_store(settings.data_dir / "users.sqlite3", options);
}

}  // namespace mango
