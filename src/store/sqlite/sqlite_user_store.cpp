// The embedded user store: one SQLite file, one table per collection (auth_collection).
//
// Each row holds the user document as JSON text plus the lookup keys that need an index:
// id, email and the secondary username field, each as its canonical JSON text (lookup_key.hpp)
// so that values keep their JSON type. UNIQUE constraints on those columns make the database,
// not a check-then-insert, refuse duplicates. The table `mango_collections` remembers which
// field each collection's secondary column was computed from, so a changed
// secondary_username_field is applied to existing rows when the store opens.
#include <algorithm>
#include <cctype>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>

#include "lookup_key.hpp"
#include "mango/user_store.hpp"
#include "sqlite_connection.hpp"

namespace mango {

namespace {

using nlohmann::json;
using sqlite::Connection;
using sqlite::ConnectionPool;
using sqlite::lookup_key;
using sqlite::quoted_identifier;
using sqlite::SqliteFailure;

constexpr std::string_view kCollectionsTable = "mango_collections";

class SqliteUserStore final : public UserStore {
 public:
  static Result<std::unique_ptr<UserStore>> open(const std::filesystem::path& file,
                                                 const StoreOptions& options);

  Result<void> insert(const Document& user) override;
  Result<Document> find_one(std::string_view field, const json& value) override;
  Result<void> set_password(std::string_view user_id, std::string_view new_hash) override;
  Result<void> ping() override;

 private:
  SqliteUserStore(const std::filesystem::path& file, const std::string& collection,
                  std::string secondary_field);

  // The one place where SQLite's failures become mango::Error: client-safe messages, the
  // SQLite text goes to the log only.
  Error to_error(const SqliteFailure& failure) const;

  // Creates the tables if missing and recomputes the secondary column if its field changed.
  Result<void> prepare_schema(Connection& connection, const std::string& collection);
  Result<void> recompute_secondary_column(Connection& connection);

  // The secondary column's value for `user`: its key, or nullopt (NULL) when the user has no
  // such field or none is configured.
  Result<std::optional<std::string>> secondary_key_of(const Document& user) const;

  const std::string table_;            // quoted, ready for SQL
  const std::string secondary_field_;  // empty: none
  ConnectionPool pool_;
  // Writers of this process wait here rather than in SQLite's busy loop.
  std::mutex write_mutex_;

  const std::string insert_sql_;
  const std::string set_password_sql_;
  const std::string ping_sql_;
};

std::size_t default_pool_size() {
  return std::clamp<std::size_t>(std::thread::hardware_concurrency(), 2, 8);
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

SqliteUserStore::SqliteUserStore(const std::filesystem::path& file, const std::string& collection,
                                 std::string secondary_field)
    : table_(quoted_identifier(collection)),
      secondary_field_(std::move(secondary_field)),
      pool_(file, default_pool_size()),
      insert_sql_("INSERT INTO " + table_ +
                  " (id, email, secondary, document) VALUES (?1, ?2, ?3, ?4)"),
      set_password_sql_("UPDATE " + table_ +
                        " SET document = json_set(document, '$.password', ?1) WHERE id = ?2"),
      ping_sql_("SELECT 1 FROM " + table_ + " LIMIT 1") {}

Result<std::unique_ptr<UserStore>> SqliteUserStore::open(const std::filesystem::path& file,
                                                         const StoreOptions& options) {
  if (options.collection.empty())
    return fail(ErrorCode::invalid_argument, "the user collection name is empty",
                "auth_collection");
  // SQLite reserves sqlite_*; the bookkeeping table is ours.
  if (starts_with_ignoring_case(options.collection, "sqlite_") ||
      starts_with_ignoring_case(options.collection, kCollectionsTable))
    return fail(ErrorCode::invalid_argument,
                "the user collection name is reserved by the embedded store", "auth_collection");
  // As in Mango-JWT, "email" as the secondary field means no secondary field.
  std::string secondary = options.secondary_username_field == "email"
                              ? std::string()
                              : options.secondary_username_field;

  if (file.has_parent_path()) {
    std::error_code error;
    std::filesystem::create_directories(file.parent_path(), error);
    if (error) {
      spdlog::error("sqlite store: cannot create {}: {}", file.parent_path().string(),
                    error.message());
      return fail(ErrorCode::unavailable, "the user database directory cannot be created");
    }
  }

  std::unique_ptr<SqliteUserStore> store(
      new SqliteUserStore(file, options.collection, std::move(secondary)));
  auto connection = Connection::open(file);
  if (!connection) return std::unexpected(store->to_error(connection.error()));
  if (auto prepared = store->prepare_schema(**connection, options.collection); !prepared)
    return std::unexpected(prepared.error());
  store->pool_.adopt(std::move(*connection));
  return store;
}

Result<void> SqliteUserStore::prepare_schema(Connection& connection,
                                             const std::string& collection) {
  // WAL: readers do not block the writer nor each other. Persistent in the file.
  if (auto wal = connection.execute("PRAGMA journal_mode=WAL"); !wal)
    return std::unexpected(to_error(wal.error()));
  // IMMEDIATE takes the write lock now, so two processes opening the file at once serialise.
  if (auto begun = connection.execute("BEGIN IMMEDIATE"); !begun)
    return std::unexpected(to_error(begun.error()));

  auto in_transaction = [&]() -> Result<void> {
    const std::string schema =
        "CREATE TABLE IF NOT EXISTS " + quoted_identifier(kCollectionsTable) +
        " (name TEXT PRIMARY KEY, secondary_username_field TEXT NOT NULL) STRICT;"
        "CREATE TABLE IF NOT EXISTS " +
        table_ +
        " (id TEXT NOT NULL UNIQUE, email TEXT NOT NULL UNIQUE, secondary TEXT UNIQUE,"
        "  document TEXT NOT NULL) STRICT;";
    if (auto created = connection.execute(schema); !created)
      return std::unexpected(to_error(created.error()));

    auto select = connection.statement("SELECT secondary_username_field FROM " +
                                       quoted_identifier(kCollectionsTable) + " WHERE name = ?1");
    if (!select) return std::unexpected(to_error(select.error()));
    select->bind(1, collection);
    auto row = select->step();
    if (!row) return std::unexpected(to_error(row.error()));
    const bool known = *row;
    const std::string recorded_field = known ? select->text_column(0) : std::string();
    if (known && recorded_field == secondary_field_) return {};

    if (known) {
      if (auto recomputed = recompute_secondary_column(connection); !recomputed)
        return recomputed;
    }
    auto record = connection.statement("INSERT OR REPLACE INTO " +
                                       quoted_identifier(kCollectionsTable) + " VALUES (?1, ?2)");
    if (!record) return std::unexpected(to_error(record.error()));
    record->bind(1, collection).bind(2, secondary_field_);
    if (auto recorded = record->run(); !recorded) return std::unexpected(to_error(recorded.error()));
    return {};
  };

  auto outcome = in_transaction();
  if (!outcome) {
    (void)connection.execute("ROLLBACK");
    return outcome;
  }
  if (auto committed = connection.execute("COMMIT"); !committed) {
    (void)connection.execute("ROLLBACK");
    return std::unexpected(to_error(committed.error()));
  }
  return {};
}

Result<void> SqliteUserStore::recompute_secondary_column(Connection& connection) {
  // Read every key first, then write: changing a table while a SELECT walks it is undefined.
  std::vector<std::pair<std::int64_t, std::optional<std::string>>> keys;
  {
    auto select = connection.statement("SELECT rowid, document FROM " + table_);
    if (!select) return std::unexpected(to_error(select.error()));
    while (true) {
      auto row = select->step();
      if (!row) return std::unexpected(to_error(row.error()));
      if (!*row) break;
      const json user = json::parse(select->text_column(1), nullptr, false);
      if (user.is_discarded())
        return fail(ErrorCode::internal, "a stored user could not be read");
      auto key = secondary_key_of(user);
      if (!key) return std::unexpected(key.error());
      keys.emplace_back(select->integer_column(0), std::move(*key));
    }
  }
  if (auto cleared = connection.execute("UPDATE " + table_ + " SET secondary = NULL"); !cleared)
    return std::unexpected(to_error(cleared.error()));
  const std::string update_sql = "UPDATE " + table_ + " SET secondary = ?1 WHERE rowid = ?2";
  for (const auto& [rowid, key] : keys) {
    if (!key) continue;
    auto update = connection.statement(update_sql);  // prepared once, reset after each row
    if (!update) return std::unexpected(to_error(update.error()));
    update->bind(1, *key).bind(2, rowid);
    auto updated = update->run();
    if (!updated) {
      if ((updated.error().code & 0xff) == SQLITE_CONSTRAINT)
        return fail(ErrorCode::invalid_argument,
                    "existing users share a value of '" + secondary_field_ +
                        "', so it cannot be the unique secondary username field",
                    secondary_field_);
      return std::unexpected(to_error(updated.error()));
    }
  }
  return {};
}

Result<std::optional<std::string>> SqliteUserStore::secondary_key_of(const Document& user) const {
  if (secondary_field_.empty() || !user.is_object()) return std::nullopt;
  auto value = user.find(secondary_field_);
  if (value == user.end()) return std::nullopt;
  auto key = lookup_key(*value);
  if (!key)
    return fail(ErrorCode::invalid_argument,
                "the value of '" + secondary_field_ + "' is not valid UTF-8", secondary_field_);
  return key;
}

Result<void> SqliteUserStore::insert(const Document& user) {
  if (!user.is_object()) return fail(ErrorCode::invalid_argument, "a user must be a JSON object");
  std::string keys[2];
  const char* required[2] = {"id", "email"};
  for (int i = 0; i < 2; ++i) {
    auto value = user.find(required[i]);
    if (value == user.end())
      return fail(ErrorCode::invalid_argument, std::string("the user has no ") + required[i],
                  required[i]);
    auto key = lookup_key(*value);
    if (!key)
      return fail(ErrorCode::invalid_argument,
                  std::string("the user's ") + required[i] + " is not valid UTF-8", required[i]);
    keys[i] = std::move(*key);
  }
  auto secondary = secondary_key_of(user);
  if (!secondary) return std::unexpected(secondary.error());
  std::string document;
  try {
    document = user.dump();
  } catch (const json::type_error&) {
    return fail(ErrorCode::invalid_argument, "the user document is not valid UTF-8");
  }

  std::lock_guard writer(write_mutex_);
  auto connection = pool_.acquire();
  if (!connection) return std::unexpected(to_error(connection.error()));
  auto statement = (*connection)->statement(insert_sql_);
  if (!statement) return std::unexpected(to_error(statement.error()));
  statement->bind(1, keys[0]).bind(2, keys[1]).bind_nullable(3, *secondary).bind(4, document);
  if (auto inserted = statement->run(); !inserted)
    return std::unexpected(to_error(inserted.error()));
  return {};
}

Result<Document> SqliteUserStore::find_one(std::string_view field, const json& value) {
  std::string_view column;
  if (field == "id" || field == "email")
    column = field;
  else if (!secondary_field_.empty() && field == secondary_field_)
    column = "secondary";
  else
    return fail(ErrorCode::invalid_argument,
                "users are looked up by id, email or the secondary username field",
                std::string(field));
  auto key = lookup_key(value);
  // A value that cannot be stored matches no stored user.
  if (!key) return fail(ErrorCode::not_found, "user not found");

  auto connection = pool_.acquire();
  if (!connection) return std::unexpected(to_error(connection.error()));
  auto statement = (*connection)->statement("SELECT document FROM " + table_ + " WHERE " +
                                            std::string(column) + " = ?1");
  if (!statement) return std::unexpected(to_error(statement.error()));
  statement->bind(1, *key);
  auto row = statement->step();
  if (!row) return std::unexpected(to_error(row.error()));
  if (!*row) return fail(ErrorCode::not_found, "user not found");
  Document user = json::parse(statement->text_column(0), nullptr, false);
  if (user.is_discarded()) {
    spdlog::error("sqlite store: the stored user with {} = {} is not valid JSON", field, *key);
    return fail(ErrorCode::internal, "a stored user could not be read");
  }
  return user;
}

Result<void> SqliteUserStore::set_password(std::string_view user_id, std::string_view new_hash) {
  auto id_key = lookup_key(json(user_id));
  if (!id_key) return fail(ErrorCode::not_found, "user not found");
  if (!lookup_key(json(new_hash)))
    return fail(ErrorCode::invalid_argument, "the password hash is not valid UTF-8", "password");

  std::lock_guard writer(write_mutex_);
  auto connection = pool_.acquire();
  if (!connection) return std::unexpected(to_error(connection.error()));
  auto statement = (*connection)->statement(set_password_sql_);
  if (!statement) return std::unexpected(to_error(statement.error()));
  statement->bind(1, new_hash).bind(2, *id_key);
  if (auto updated = statement->run(); !updated)
    return std::unexpected(to_error(updated.error()));
  if ((*connection)->changes() == 0) return fail(ErrorCode::not_found, "user not found");
  return {};
}

Result<void> SqliteUserStore::ping() {
  auto connection = pool_.acquire();
  if (!connection) return std::unexpected(to_error(connection.error()));
  auto statement = (*connection)->statement(ping_sql_);
  if (!statement) return std::unexpected(to_error(statement.error()));
  if (auto answered = statement->run(); !answered)
    return std::unexpected(to_error(answered.error()));
  return {};
}

Error SqliteUserStore::to_error(const SqliteFailure& failure) const {
  const int primary = failure.code & 0xff;
  if (failure.code == SQLITE_CONSTRAINT_UNIQUE || failure.code == SQLITE_CONSTRAINT_PRIMARYKEY) {
    // SQLite names the column: "UNIQUE constraint failed: <table>.<column>".
    const auto dot = failure.detail.rfind('.');
    const std::string column = dot == std::string::npos ? "" : failure.detail.substr(dot + 1);
    const std::string field = column == "secondary" ? secondary_field_ : column;
    return Error{ErrorCode::already_exists, "a user with this " + field + " already exists",
                 field};
  }
  spdlog::warn("sqlite store: {} (code {})", failure.detail, failure.code);
  switch (primary) {
    case SQLITE_CONSTRAINT:
      return Error{ErrorCode::invalid_argument, "the user document is incomplete", {}};
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error{ErrorCode::unavailable, "the user database is busy; try again later", {}};
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
    case SQLITE_NOMEM:
      return Error{ErrorCode::unavailable, "the user database cannot be used right now", {}};
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return Error{ErrorCode::internal, "the user database file is damaged or not a database",
                   {}};
    default:
      return Error{ErrorCode::internal, "the user database failed", {}};
  }
}

}  // namespace

Result<std::unique_ptr<UserStore>> open_sqlite_store(const std::filesystem::path& file,
                                                     const StoreOptions& options) {
  return SqliteUserStore::open(file, options);
}

}  // namespace mango
