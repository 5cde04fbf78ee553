// Conversion between BSON documents and nlohmann::json, keeping value types:
//   JSON null/bool/string/object/array  <->  BSON null/bool/UTF-8 string/document/array
//   JSON integer  ->  int32 when it fits, else int64 (as pymongo writes a Python int)
//   JSON float    <-> double;   BSON int32/int64 -> JSON integer
// Other BSON types (ObjectId, dates, decimals, binary...) are read as relaxed Extended JSON,
// e.g. {"$oid": "..."}; they never occur in documents that mango-jwt writes.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "handles.hpp"
#include "mango/error.hpp"

namespace mango::mongo_detail {

// Appends `value` under `key`. invalid_argument for a key with a NUL byte, a string that is not
// valid UTF-8, an integer beyond int64 or a binary value (all of which BSON cannot hold as JSON
// means them).
Result<void> append_json(bson_t& document, std::string_view key, const nlohmann::json& value);

// A new BSON document holding the members of the JSON object `object` (invalid_argument when it
// is not an object). Members named in `skip_key` (if non-empty) are left out.
Result<BsonHandle> json_to_bson(const nlohmann::json& object, std::string_view skip_key = {});

// The JSON object for `document`; members named `skip_key` (if non-empty) are left out.
nlohmann::json bson_to_json(const bson_t& document, std::string_view skip_key = {});

}  // namespace mango::mongo_detail
