// Fuzz target: request body parsing (mango::http::parse_body), as DRF's parsers give
// request.data, for each content type the server accepts.
//
// Input: byte 0 picks the Content-Type, the rest is the body.
//   0: application/json            1: application/x-www-form-urlencoded
//   2: multipart/form-data; boundary=XyZ   (the seeds use that boundary)
//   3: the body's first line is the Content-Type itself (charset, odd boundaries, +json, ...)
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mango/http.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string content_type;
  switch (data[0] % 4) {
    case 0:
      content_type = "application/json";
      break;
    case 1:
      content_type = "application/x-www-form-urlencoded";
      break;
    case 2:
      content_type = "multipart/form-data; boundary=XyZ";
      break;
    default: {
      const std::size_t newline = body.find('\n');
      content_type = std::string(body.substr(0, newline));
      body = newline == std::string_view::npos ? std::string_view{} : body.substr(newline + 1);
      break;
    }
  }

  const auto parsed = mango::http::parse_body(content_type, body);
  if (!parsed) {
    // A refusal is a client error with a message, never an internal one.
    if (parsed.error().code != mango::ErrorCode::invalid_argument) std::abort();
    if (parsed.error().message.empty()) std::abort();
    return 0;
  }
  // request.data is always an object whose text is valid UTF-8: it is rendered back to clients
  // and stored, so a strict dump must not throw (nlohmann throws type_error 316 otherwise).
  if (!parsed->is_object()) std::abort();
  try {
    (void)parsed->dump();
  } catch (const nlohmann::json::exception&) {
    std::abort();
  }
  return 0;
}
