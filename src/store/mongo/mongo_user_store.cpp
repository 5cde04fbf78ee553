// The MongoDB UserStore: Mango-JWT's documents in one collection, with unique indexes.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "bson_json.hpp"
#include "driver_error.hpp"
#include "handles.hpp"
#include "mango/mongo.hpp"

namespace mango {

using namespace mongo_detail;
using nlohmann::json;

namespace {

std::string unique_index_name(std::string_view field) {
  return std::string(kUniqueIndexPrefix) + std::string(field);
}

// Field names we put into filters: MongoDB reads "$..." as operators and "." as a path.
Result<void> check_field_name(std::string_view field) {
  if (field.empty() || field.front() == '$' || field.find('\0') != std::string_view::npos)
    return fail(ErrorCode::invalid_argument, "invalid field name", std::string(field));
  return {};
}

// {field: {$eq: value}}: $eq so that a JSON object given as the value is compared as a value,
// never read as query operators (a login name of {"$ne": null} must match nobody).
Result<BsonHandle> equality_filter(std::string_view field, const json& value) {
  if (auto checked = check_field_name(field); !checked) return std::unexpected(checked.error());
  BsonHandle filter = new_bson();
  const std::string key(field);
  bson_t condition;
  if (!bson_append_document_begin(filter.get(), key.c_str(), static_cast<int>(key.size()), &condition))
    return fail(ErrorCode::invalid_argument, "value too large");
  auto appended = append_json(condition, "$eq", value);
  bson_append_document_end(filter.get(), &condition);
  if (!appended) return std::unexpected(appended.error());
  return filter;
}

class MongoUserStore final : public UserStore {
 public:
  MongoUserStore(std::shared_ptr<MongoDatabase> database, StoreOptions options)
      : database_(std::move(database)), options_(std::move(options)) {}

  Result<void> insert(const Document& user) override {
    if (!user.is_object()) return fail(ErrorCode::invalid_argument, "a user must be a JSON object");
    // Uniqueness is the database's job: never insert before the unique indexes exist.
    if (auto indexed = ensure_indexes(); !indexed) return indexed;

    // _id first, generated here as pymongo does; any _id in the input is not ours to keep.
    BsonHandle document = new_bson();
    bson_oid_t oid;
    bson_oid_init(&oid, nullptr);
    BSON_APPEND_OID(document.get(), "_id", &oid);
    for (const auto& [name, value] : user.items()) {
      if (name == "_id") continue;
      if (auto appended = append_json(*document, name, value); !appended) return appended;
    }

    auto leased = database_->lease();
    if (!leased) return std::unexpected(leased.error());
    CollectionHandle collection = collection_of(*leased);
    ReplyBson reply;
    bson_error_t error;
    if (mongoc_collection_insert_one(collection.get(), document.get(), nullptr, reply.get(), &error))
      return {};
    Error translated = translate_driver_error("insert", error, reply.get());
    if (translated.code == ErrorCode::already_exists && translated.field.empty())
      translated.field = taken_field(user);
    return std::unexpected(std::move(translated));
  }

  Result<Document> find_one(std::string_view field, const json& value) override {
    auto filter = equality_filter(field, value);
    if (!filter) return std::unexpected(filter.error());
    BsonHandle options = new_bson();
    bson_t projection;
    BSON_APPEND_DOCUMENT_BEGIN(options.get(), "projection", &projection);
    BSON_APPEND_INT32(&projection, "_id", 0);
    bson_append_document_end(options.get(), &projection);
    BSON_APPEND_INT64(options.get(), "limit", 1);

    auto leased = database_->lease();
    if (!leased) return std::unexpected(leased.error());
    CollectionHandle collection = collection_of(*leased);
    CursorHandle cursor(
        mongoc_collection_find_with_opts(collection.get(), filter->get(), options.get(), nullptr));
    const bson_t* found = nullptr;
    if (mongoc_cursor_next(cursor.get(), &found)) return bson_to_json(*found, "_id");
    bson_error_t error;
    const bson_t* error_reply = nullptr;
    if (mongoc_cursor_error_document(cursor.get(), &error, &error_reply))
      return std::unexpected(translate_driver_error("find_one", error, error_reply));
    return fail(ErrorCode::not_found, "no such user", std::string(field));
  }

  Result<void> set_password(std::string_view user_id, std::string_view new_hash) override {
    auto filter = equality_filter("id", json(std::string(user_id)));
    if (!filter) return std::unexpected(filter.error());
    BsonHandle update = new_bson();
    bson_t set;
    BSON_APPEND_DOCUMENT_BEGIN(update.get(), "$set", &set);
    auto appended = append_json(set, "password", json(std::string(new_hash)));
    bson_append_document_end(update.get(), &set);
    if (!appended) return appended;

    auto leased = database_->lease();
    if (!leased) return std::unexpected(leased.error());
    CollectionHandle collection = collection_of(*leased);
    ReplyBson reply;
    bson_error_t error;
    if (!mongoc_collection_update_one(collection.get(), filter->get(), update.get(), nullptr,
                                      reply.get(), &error))
      return std::unexpected(translate_driver_error("set_password", error, reply.get()));
    bson_iter_t matched;
    if (bson_iter_init_find(&matched, reply.get(), "matchedCount") &&
        bson_iter_as_int64(&matched) == 0)
      return fail(ErrorCode::not_found, "no such user", "id");
    return {};
  }

  Result<void> ping() override { return database_->ping(); }

  // Creates the unique indexes unless done; called at open and before each insert until it
  // succeeds. Concurrent callers share one attempt: a caller that waited for another thread's
  // attempt takes its result instead of trying again, so an outage costs each caller at most
  // one server-selection timeout.
  Result<void> ensure_indexes() {
    if (indexes_ready_.load(std::memory_order_acquire)) return {};
    const std::uint64_t attempts_seen = index_attempts_.load(std::memory_order_acquire);
    std::lock_guard lock(index_mutex_);
    if (indexes_ready_.load(std::memory_order_acquire)) return {};
    if (index_attempts_.load(std::memory_order_acquire) != attempts_seen) return last_index_error_;

    Result<void> outcome = create_indexes();
    index_attempts_.fetch_add(1, std::memory_order_acq_rel);
    if (outcome || outcome.error().code != ErrorCode::unavailable) {
      // Anything but an outage will not get better by retrying (e.g. existing duplicates in a
      // collection written by Mango-JWT): log it and work on, as Mango-JWT does, without them.
      if (!outcome)
        spdlog::error("mongo: unique indexes on collection '{}' could not be created; "
                      "uniqueness is not enforced by the database",
                      options_.collection);
      indexes_ready_.store(true, std::memory_order_release);
      return {};
    }
    last_index_error_ = outcome;
    return outcome;
  }

 private:
  CollectionHandle collection_of(const MongoDatabase::Lease& lease) const {
    return CollectionHandle(mongoc_database_get_collection(lease.database(), options_.collection.c_str()));
  }

  // The unique fields in the order Mango-JWT checks them: email, then the secondary field.
  std::vector<std::string> unique_fields() const {
    std::vector<std::string> fields = {"email"};
    const std::string& secondary = options_.secondary_username_field;
    if (!secondary.empty() && secondary != "email" && secondary != "id") fields.push_back(secondary);
    fields.push_back("id");
    return fields;
  }

  // A duplicate-key error that does not name its index (FerretDB's): the first unique field
  // whose value another user already has.
  std::string taken_field(const Document& user) {
    for (const std::string& field : unique_fields()) {
      if (!user.contains(field)) continue;
      if (find_one(field, user[field])) return field;
    }
    return "email";
  }

  // Creates the missing unique indexes, one createIndexes command each: FerretDB 1.24 panics on
  // a command that lists several indexes when more than one of them already exists.
  Result<void> create_indexes() {
    auto leased = database_->lease();
    if (!leased) return std::unexpected(leased.error());
    CollectionHandle collection = collection_of(*leased);
    auto existing = existing_index_names(collection.get());
    if (!existing) return std::unexpected(existing.error());

    std::set<std::string> wanted;
    for (const std::string& field : unique_fields()) wanted.insert(unique_index_name(field));
    // Unique indexes of ours for a secondary field no longer configured: that field is an
    // ordinary one now, so its values may repeat.
    for (const std::string& index_name : *existing) {
      if (!index_name.starts_with(kUniqueIndexPrefix) || wanted.contains(index_name)) continue;
      bson_error_t error;
      if (!mongoc_collection_drop_index_with_opts(collection.get(), index_name.c_str(), nullptr, &error))
        return std::unexpected(translate_driver_error("dropIndexes", error, nullptr));
      spdlog::info("mongo: dropped index '{}' of a secondary username field no longer configured",
                   index_name);
    }

    for (const std::string& field : unique_fields()) {
      const std::string index_name = unique_index_name(field);
      if (existing->contains(index_name)) continue;
      if (auto created = create_unique_index(*leased, field, index_name); !created) return created;
    }
    return {};
  }

  Result<std::set<std::string>> existing_index_names(mongoc_collection_t* collection) {
    std::set<std::string> names;
    CursorHandle cursor(mongoc_collection_find_indexes_with_opts(collection, nullptr));
    const bson_t* index = nullptr;
    while (mongoc_cursor_next(cursor.get(), &index)) {
      bson_iter_t name;
      if (bson_iter_init_find(&name, index, "name") && BSON_ITER_HOLDS_UTF8(&name))
        names.insert(bson_iter_utf8(&name, nullptr));
    }
    bson_error_t error;
    const bson_t* error_reply = nullptr;
    if (mongoc_cursor_error_document(cursor.get(), &error, &error_reply))
      return std::unexpected(translate_driver_error("listIndexes", error, error_reply));
    return names;
  }

  Result<void> create_unique_index(const MongoDatabase::Lease& lease, const std::string& field,
                                   const std::string& index_name) {
    BsonHandle command = new_bson();
    BSON_APPEND_UTF8(command.get(), "createIndexes", options_.collection.c_str());
    bson_t indexes;
    BSON_APPEND_ARRAY_BEGIN(command.get(), "indexes", &indexes);
    bson_t index;
    BSON_APPEND_DOCUMENT_BEGIN(&indexes, "0", &index);
    bson_t key;
    BSON_APPEND_DOCUMENT_BEGIN(&index, "key", &key);
    BSON_APPEND_INT32(&key, field.c_str(), 1);
    bson_append_document_end(&index, &key);
    BSON_APPEND_UTF8(&index, "name", index_name.c_str());
    BSON_APPEND_BOOL(&index, "unique", true);
    // Users without the secondary field must not collide on "missing". MongoDB's
    // partialFilterExpression would say that, but FerretDB 1.24 rejects it; a sparse index
    // means the same on MongoDB, and FerretDB's SQLite indexes never compare missing values.
    if (field != "email" && field != "id") BSON_APPEND_BOOL(&index, "sparse", true);
    bson_append_document_end(&indexes, &index);
    bson_append_array_end(command.get(), &indexes);

    ReplyBson reply;
    bson_error_t error;
    if (!mongoc_database_write_command_with_opts(lease.database(), command.get(), nullptr,
                                                 reply.get(), &error))
      return std::unexpected(translate_driver_error("createIndexes", error, reply.get()));
    return {};
  }

  std::shared_ptr<MongoDatabase> database_;
  StoreOptions options_;

  std::atomic<bool> indexes_ready_ = false;
  std::atomic<std::uint64_t> index_attempts_ = 0;
  std::mutex index_mutex_;
  Result<void> last_index_error_;  // guarded by index_mutex_
};

}  // namespace

Result<std::unique_ptr<UserStore>> open_mongo_store(std::shared_ptr<MongoDatabase> database,
                                                    const StoreOptions& options) {
  if (!database) return fail(ErrorCode::invalid_argument, "no database given");
  if (options.collection.empty() || options.collection.find('\0') != std::string::npos ||
      options.collection.front() == '$')
    return fail(ErrorCode::invalid_argument, "invalid collection name", "auth_collection");
  auto store = std::make_unique<MongoUserStore>(std::move(database), options);
  // An outage at start-up must not stop the process: inserts retry the indexes later.
  if (auto indexed = store->ensure_indexes(); !indexed)
    spdlog::warn("mongo: the database is unavailable at start-up; unique indexes will be created "
                 "when it is back");
  return std::unique_ptr<UserStore>(std::move(store));
}

Result<std::unique_ptr<UserStore>> open_mongo_store(const MongoOptions& mongo,
                                                    const StoreOptions& options) {
  auto database = MongoDatabase::open(mongo);
  if (!database) return std::unexpected(database.error());
  return open_mongo_store(std::move(*database), options);
}

}  // namespace mango
