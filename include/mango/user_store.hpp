// Where users live. One interface, two implementations (embedded SQLite, MongoDB), one
// conformance suite (src/store/conformance) that both pass.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mango/error.hpp"

namespace mango {

// A user as Mango-JWT stores it, without MongoDB's _id:
// {"id": "ID_<uuid4>", "email": ..., "password": <Django hash>, <configured fields>...}.
// Field values keep their JSON types.
using Document = nlohmann::json;

// Thread-safe: one store is shared by all request threads.
class UserStore {
 public:
  virtual ~UserStore() = default;

  // Stores a new user. already_exists (field = "email" or the secondary field's name) when the
  // value is taken: uniqueness is enforced by the database, so concurrent inserts of one email
  // cannot both succeed. unavailable when the database cannot be reached.
  virtual Result<void> insert(const Document& user) = 0;

  // The user whose `field` ("id", "email" or the secondary username field) equals `value`,
  // compared with its JSON type as MongoDB does ("5" is not 5). not_found when none.
  virtual Result<Document> find_one(std::string_view field, const nlohmann::json& value) = 0;

  // Replaces the password hash of user `user_id` (after a rehash on login).
  virtual Result<void> set_password(std::string_view user_id, std::string_view new_hash) = 0;

  // ok when the database answers; unavailable otherwise.
  virtual Result<void> ping() = 0;
};

struct StoreOptions {
  std::string collection = "user_profile";   // auth_collection
  std::string secondary_username_field;      // empty: none; unique when set
};

// The embedded store: one SQLite file (created if missing) with unique email and secondary field.
Result<std::unique_ptr<UserStore>> open_sqlite_store(const std::filesystem::path& file,
                                                     const StoreOptions& options);

}  // namespace mango
