// Error values shared by every part of mango-jwt. A fixed set of codes with clear meanings
// (in the spirit of absl::Status); the HTTP layer maps them to status codes in one place.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace mango {

enum class ErrorCode {
  invalid_argument,  // the caller sent something malformed or missing
  not_found,         // the thing looked up does not exist
  already_exists,    // a unique value (email, secondary username) is taken
  unauthenticated,   // no, bad or expired credentials
  unavailable,       // a dependency (the database) cannot be reached now; retry later
  internal,          // a bug or an unexpected failure; details go to the log, never to clients
};

struct Error {
  ErrorCode code;
  std::string message;  // safe to show to a client (never an exception text from a library)
  std::string field;    // for already_exists / invalid_argument: the field concerned, if any
};

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string message, std::string field = {}) {
  return std::unexpected<Error>(Error{code, std::move(message), std::move(field)});
}

}  // namespace mango
