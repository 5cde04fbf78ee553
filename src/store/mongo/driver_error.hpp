// The one place where libmongoc failures become mango::Error values.
#pragma once

#include <string>
#include <string_view>

#include <bson/bson.h>

#include "mango/error.hpp"

namespace mango::mongo_detail {

// Prefix of the names of the unique indexes the store creates: "mango_unique_<field>".
inline constexpr std::string_view kUniqueIndexPrefix = "mango_unique_";

// Translates a failed driver call:
//  - duplicate key (11000 / 11001 / 12582)  -> already_exists, `field` set when the error names
//    the index or key pattern (MongoDB does; FerretDB 1.24 does not, then `field` is empty)
//  - no server reachable, network failure, timeouts, shutdown / step-down -> unavailable
//  - anything else -> internal, logged with the driver's text (never put into the message).
// `operation` names what was attempted, for the log. `reply` may be null.
Error translate_driver_error(std::string_view operation, const bson_error_t& error,
                             const bson_t* reply);

}  // namespace mango::mongo_detail
