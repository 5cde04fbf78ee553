// Every libmongoc / libbson handle the mongo store uses, owned by a unique_ptr with its deleter
// (or a small RAII type where the C API needs one). The only place these deleters are written.
#pragma once

#include <memory>
#include <utility>

#include <bson/bson.h>
#include <mongoc/mongoc.h>

namespace mango::mongo_detail {

// Calls the C destroy function; the C functions accept null, but we skip the call anyway.
template <auto destroy>
struct Destroyer {
  template <class T>
  void operator()(T* handle) const noexcept {
    if (handle != nullptr) destroy(handle);
  }
};

using UriHandle = std::unique_ptr<mongoc_uri_t, Destroyer<mongoc_uri_destroy>>;
using ClientPoolHandle = std::unique_ptr<mongoc_client_pool_t, Destroyer<mongoc_client_pool_destroy>>;
using DatabaseHandle = std::unique_ptr<mongoc_database_t, Destroyer<mongoc_database_destroy>>;
using CollectionHandle = std::unique_ptr<mongoc_collection_t, Destroyer<mongoc_collection_destroy>>;
using CursorHandle = std::unique_ptr<mongoc_cursor_t, Destroyer<mongoc_cursor_destroy>>;
// bson_t carries an alignment attribute that a template argument cannot keep; heap bson_t from
// bson_new() is allocated by libbson with that alignment anyway.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
using BsonHandle = std::unique_ptr<bson_t, Destroyer<bson_destroy>>;
#pragma GCC diagnostic pop
using BsonStringHandle = std::unique_ptr<char, Destroyer<bson_free>>;

// A client taken from the pool; goes back to the same pool on destruction (never destroyed:
// the pool owns it).
class PooledClient {
 public:
  PooledClient(mongoc_client_pool_t* pool, mongoc_client_t* client) noexcept
      : pool_(pool), client_(client) {}
  PooledClient(PooledClient&& other) noexcept
      : pool_(other.pool_), client_(std::exchange(other.client_, nullptr)) {}
  PooledClient& operator=(PooledClient&&) = delete;
  PooledClient(const PooledClient&) = delete;
  PooledClient& operator=(const PooledClient&) = delete;
  ~PooledClient() {
    if (client_ != nullptr) mongoc_client_pool_push(pool_, client_);
  }

  mongoc_client_t* get() const noexcept { return client_; }

 private:
  mongoc_client_pool_t* pool_;
  mongoc_client_t* client_;
};

// A bson_t that a libmongoc call fills in as an out-parameter (a reply): the C API requires
// bson_destroy afterwards whether the call succeeded or not.
class ReplyBson {
 public:
  ReplyBson() noexcept { bson_init(&value_); }
  ReplyBson(const ReplyBson&) = delete;
  ReplyBson& operator=(const ReplyBson&) = delete;
  ~ReplyBson() { bson_destroy(&value_); }

  bson_t* get() noexcept { return &value_; }
  const bson_t* get() const noexcept { return &value_; }

 private:
  bson_t value_;
};

inline BsonHandle new_bson() { return BsonHandle(bson_new()); }

}  // namespace mango::mongo_detail
