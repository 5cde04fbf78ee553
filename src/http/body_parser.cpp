// request.data as DRF's parsers produce it: JSON, form-urlencoded and multipart/form-data.
#include <algorithm>
#include <cctype>

#include "mango/http.hpp"
#include "text.hpp"

namespace mango::http {
namespace {

constexpr std::size_t kMaxFields = 200;
constexpr int kMaxJsonDepth = 32;

std::unexpected<Error> malformed(std::string message) {
  return fail(ErrorCode::invalid_argument, std::move(message));
}

// Deeply nested JSON is refused before parsing: nothing we accept nests past a few levels.
bool json_depth_within(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limit) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

Result<nlohmann::json> parse_json(std::string_view body) {
  if (!json_depth_within(body, kMaxJsonDepth)) return malformed("JSON nested too deeply.");
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return malformed("JSON parse error: the body is not valid JSON.");
  if (!parsed.is_object()) return malformed("JSON parse error: expected a JSON object.");
  if (parsed.size() > kMaxFields) return malformed("Too many fields.");
  return parsed;
}

std::optional<std::string> percent_decode_form(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() &&
               std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(c);  // an invalid escape stays as written, as Python's unquote leaves it
    }
  }
  if (!is_valid_utf8(out)) return std::nullopt;
  return out;
}

Result<nlohmann::json> parse_form(std::string_view body) {
  nlohmann::json data = nlohmann::json::object();
  std::size_t count = 0;
  for (std::string_view pair : split(body, '&')) {
    if (pair.empty()) continue;
    if (++count > kMaxFields) return malformed("Too many fields.");
    auto eq = pair.find('=');
    auto key = percent_decode_form(pair.substr(0, eq));
    auto value = percent_decode_form(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!key || !value) return malformed("Form data is not valid UTF-8.");
    data[*key] = *value;  // a repeated key keeps its last value, as QueryDict[key] does
  }
  return data;
}

// The value of parameter `name` in a header such as `form-data; name="x"; filename="y"`.
std::optional<std::string> header_parameter(std::string_view header, std::string_view name) {
  for (std::string_view part : split(header, ';')) {
    part = trim(part);
    auto eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    if (!iequals(trim(part.substr(0, eq)), name)) continue;
    std::string_view value = trim(part.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    return std::string(value);
  }
  return std::nullopt;
}

Result<nlohmann::json> parse_multipart(std::string_view content_type, std::string_view body) {
  auto boundary = header_parameter(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 200)
    return malformed("Multipart form parse error: missing boundary.");
  const std::string delimiter = "--" + *boundary;
  nlohmann::json data = nlohmann::json::object();
  std::size_t count = 0;

  std::size_t pos = body.find(delimiter);
  if (pos == std::string_view::npos) return malformed("Multipart form parse error.");
  while (true) {
    pos += delimiter.size();
    if (body.substr(pos, 2) == "--") break;  // closing delimiter
    if (body.substr(pos, 2) != "\r\n") return malformed("Multipart form parse error.");
    pos += 2;
    std::size_t headers_end = body.find("\r\n\r\n", pos);
    std::size_t next = body.find("\r\n" + delimiter, pos);
    if (headers_end == std::string_view::npos || next == std::string_view::npos ||
        headers_end > next)
      return malformed("Multipart form parse error.");
    std::string_view headers = body.substr(pos, headers_end - pos);
    std::string_view content = body.substr(headers_end + 4, next - headers_end - 4);

    std::optional<std::string> name, filename;
    for (std::string_view line : split(headers, '\n')) {
      line = trim(line);
      auto colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      if (!iequals(trim(line.substr(0, colon)), "content-disposition")) continue;
      name = header_parameter(line.substr(colon + 1), "name");
      filename = header_parameter(line.substr(colon + 1), "filename");
    }
    if (!name) return malformed("Multipart form parse error: a part has no name.");
    if (++count > kMaxFields) return malformed("Too many fields.");
    if (!filename) {  // files are not user fields
      if (!is_valid_utf8(content) || !is_valid_utf8(*name))
        return malformed("Form data is not valid UTF-8.");
      data[*name] = std::string(content);
    }
    pos = next + 2;
  }
  return data;
}

}  // namespace

Result<nlohmann::json> parse_body(std::string_view content_type, std::string_view body) {
  if (body.empty()) return nlohmann::json::object();  // DRF: no content, empty data
  std::string media_type = to_lower(trim(content_type.substr(0, content_type.find(';'))));
  if (media_type == "application/json" ||
      (media_type.size() > 5 && media_type.ends_with("+json")))
    return parse_json(body);
  if (media_type == "application/x-www-form-urlencoded") return parse_form(body);
  if (media_type == "multipart/form-data") return parse_multipart(content_type, body);
  return fail(ErrorCode::invalid_argument,
              "Unsupported media type \"" + media_type +
                  "\" in request; use application/json, application/x-www-form-urlencoded or "
                  "multipart/form-data.",
              "unsupported_media_type");
}

}  // namespace mango::http
