// How a JSON value becomes the text of an indexed column (id, email, secondary username), so
// that SQLite's plain text equality and UNIQUE indexes compare values the way MongoDB does:
// with their JSON type ("5" is not 5, true is not 1) but numbers by value (7 equals 7.0).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace mango::sqlite {

// The canonical text of `value`: its compact JSON serialisation after integral floats are
// written as integers (recursively, inside objects and arrays too). Equal texts <=> values
// MongoDB considers equal (for the types a user document holds). nullopt when `value` holds
// a string that is not valid UTF-8 (it cannot be stored).
std::optional<std::string> lookup_key(const nlohmann::json& value);

}  // namespace mango::sqlite
