#include "driver_error.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include <mongoc/mongoc.h>
#include <spdlog/spdlog.h>

namespace mango::mongo_detail {
namespace {

constexpr std::array<std::uint32_t, 3> kDuplicateKeyCodes = {11000, 11001, 12582};

// Server error codes that mean "the server cannot serve this right now".
constexpr std::array<std::uint32_t, 14> kTransientServerCodes = {
    6,      // HostUnreachable
    7,      // HostNotFound
    89,     // NetworkTimeout
    91,     // ShutdownInProgress
    189,    // PrimarySteppedDown
    262,    // ExceededTimeLimit
    9001,   // SocketException
    10107,  // NotWritablePrimary
    11600,  // InterruptedAtShutdown
    11602,  // InterruptedDueToReplStateChange
    13435,  // NotPrimaryNoSecondaryOk
    13436,  // NotPrimaryOrSecondary
    50,     // MaxTimeMSExpired
    10058,  // LegacyNotPrimary
};

template <std::size_t N>
bool contains(const std::array<std::uint32_t, N>& codes, std::uint32_t code) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

// The field of a single-field key pattern document such as {"email": 1}.
std::string first_key_of_document(const bson_iter_t& document_position) {
  bson_iter_t it = document_position;
  bson_iter_t child;
  if (!BSON_ITER_HOLDS_DOCUMENT(&it) || !bson_iter_recurse(&it, &child) || !bson_iter_next(&child))
    return {};
  return bson_iter_key(&child);
}

// MongoDB reports the key pattern of the violated index in writeErrors[0].keyPattern (or
// keyPattern at the top level for commands).
std::string field_from_key_pattern(const bson_t* reply) {
  if (reply == nullptr) return {};
  bson_iter_t it;
  if (bson_iter_init_find(&it, reply, "keyPattern")) return first_key_of_document(it);
  bson_iter_t descendant;
  if (bson_iter_init(&it, reply) && bson_iter_find_descendant(&it, "writeErrors.0.keyPattern", &descendant))
    return first_key_of_document(descendant);
  return {};
}

// "... index: mango_unique_email dup key: { ... }" names the index; ours are named after the
// field.
std::string field_from_message(std::string_view message) {
  constexpr std::string_view marker = "index: ";
  const auto at = message.find(marker);
  if (at == std::string_view::npos) return {};
  std::string_view index_name = message.substr(at + marker.size());
  index_name = index_name.substr(0, index_name.find(' '));
  if (!index_name.starts_with(kUniqueIndexPrefix)) return {};
  return std::string(index_name.substr(kUniqueIndexPrefix.size()));
}

bool is_unavailable(const bson_error_t& error, const bson_t* reply) {
  switch (error.domain) {
    case MONGOC_ERROR_SERVER_SELECTION:
    case MONGOC_ERROR_STREAM:
      return true;
    case MONGOC_ERROR_SERVER:
    case MONGOC_ERROR_WRITE_CONCERN:
      if (contains(kTransientServerCodes, error.code)) return true;
      break;
    default:
      break;
  }
  return reply != nullptr && (mongoc_error_has_label(reply, "RetryableWriteError") ||
                              mongoc_error_has_label(reply, "TransientTransactionError"));
}

}  // namespace

Error translate_driver_error(std::string_view operation, const bson_error_t& error,
                             const bson_t* reply) {
  const bool server_side = error.domain == MONGOC_ERROR_SERVER ||
                           error.domain == MONGOC_ERROR_WRITE_CONCERN ||
                           error.domain == MONGOC_ERROR_COLLECTION ||
                           error.domain == MONGOC_ERROR_QUERY;
  if (server_side && contains(kDuplicateKeyCodes, error.code)) {
    std::string field = field_from_key_pattern(reply);
    if (field.empty()) field = field_from_message(error.message);
    return Error{ErrorCode::already_exists, "a unique value is already taken", std::move(field)};
  }
  if (is_unavailable(error, reply)) {
    spdlog::warn("mongo: {} failed, database unavailable: {}", operation, error.message);
    return Error{ErrorCode::unavailable, "the database is unavailable", {}};
  }
  if (error.domain == MONGOC_ERROR_CLIENT && error.code == MONGOC_ERROR_CLIENT_AUTHENTICATE)
    spdlog::error("mongo: {} failed: authentication with the database failed, check the "
                  "credentials: {}", operation, error.message);
  else
    spdlog::error("mongo: {} failed (domain {}, code {}): {}", operation, error.domain, error.code,
                  error.message);
  return Error{ErrorCode::internal, "internal database error", {}};
}

}  // namespace mango::mongo_detail
