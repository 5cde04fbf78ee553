#include "bson_json.hpp"

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

namespace mango::mongo_detail {
namespace {

using nlohmann::json;

Result<void> invalid(std::string message) { return fail(ErrorCode::invalid_argument, std::move(message)); }

bool valid_key(std::string_view key) { return key.find('\0') == std::string_view::npos; }

Result<void> append_integer(bson_t& document, const char* key, int key_length, std::int64_t value) {
  const bool ok = value >= std::numeric_limits<std::int32_t>::min() &&
                          value <= std::numeric_limits<std::int32_t>::max()
                      ? bson_append_int32(&document, key, key_length, static_cast<std::int32_t>(value))
                      : bson_append_int64(&document, key, key_length, value);
  if (!ok) return invalid("document too large");
  return {};
}

Result<void> append_members(bson_t& document, const json& object, std::string_view skip_key) {
  for (const auto& [name, member] : object.items()) {
    if (!skip_key.empty() && name == skip_key) continue;
    if (auto appended = append_json(document, name, member); !appended) return appended;
  }
  return {};
}

// Reads the value the iterator points at.
json read_value(const bson_iter_t& position);

json read_container(bson_iter_t& children, bool as_array, std::string_view skip_key) {
  json result = as_array ? json::array() : json::object();
  while (bson_iter_next(&children)) {
    if (as_array) {
      result.push_back(read_value(children));
      continue;
    }
    const std::string_view key(bson_iter_key(&children), bson_iter_key_len(&children));
    if (!skip_key.empty() && key == skip_key) continue;
    result[std::string(key)] = read_value(children);
  }
  return result;
}

// Types JSON has no word for: libbson's relaxed Extended JSON of a one-member document.
json read_as_extended_json(const bson_iter_t& position) {
  BsonHandle holder = new_bson();
  bson_iter_t copy = position;
  if (!bson_append_iter(holder.get(), "v", 1, &copy)) return nullptr;
  BsonStringHandle text(bson_as_relaxed_extended_json(holder.get(), nullptr));
  if (!text) return nullptr;
  json parsed = json::parse(text.get(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.contains("v")) return nullptr;
  return parsed["v"];
}

json read_value(const bson_iter_t& position) {
  bson_iter_t it = position;
  switch (bson_iter_type(&it)) {
    case BSON_TYPE_DOUBLE:
      return bson_iter_double(&it);
    case BSON_TYPE_UTF8: {
      std::uint32_t length = 0;
      const char* text = bson_iter_utf8(&it, &length);
      return std::string(text, length);
    }
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY: {
      bson_iter_t children;
      if (!bson_iter_recurse(&it, &children)) return nullptr;
      return read_container(children, bson_iter_type(&it) == BSON_TYPE_ARRAY, {});
    }
    case BSON_TYPE_BOOL:
      return bson_iter_bool(&it);
    case BSON_TYPE_NULL:
    case BSON_TYPE_UNDEFINED:
      return nullptr;
    case BSON_TYPE_INT32:
      return static_cast<std::int64_t>(bson_iter_int32(&it));
    case BSON_TYPE_INT64:
      return bson_iter_int64(&it);
    default:
      return read_as_extended_json(it);
  }
}

}  // namespace

Result<void> append_json(bson_t& document, std::string_view key_view, const json& value) {
  if (!valid_key(key_view)) return invalid("field names must not contain NUL characters");
  if (key_view.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    return invalid("field name too long");
  const std::string key(key_view);
  const int key_length = static_cast<int>(key.size());
  bool ok = true;
  switch (value.type()) {
    case json::value_t::null:
      ok = bson_append_null(&document, key.c_str(), key_length);
      break;
    case json::value_t::boolean:
      ok = bson_append_bool(&document, key.c_str(), key_length, value.get<bool>());
      break;
    case json::value_t::number_integer:
      return append_integer(document, key.c_str(), key_length, value.get<std::int64_t>());
    case json::value_t::number_unsigned: {
      const auto number = value.get<std::uint64_t>();
      if (number > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return invalid("integer too large for a 64-bit signed integer");
      return append_integer(document, key.c_str(), key_length, static_cast<std::int64_t>(number));
    }
    case json::value_t::number_float:
      ok = bson_append_double(&document, key.c_str(), key_length, value.get<double>());
      break;
    case json::value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      if (!bson_utf8_validate(text.data(), text.size(), /*allow_null=*/true))
        return invalid("text must be valid UTF-8");
      if (text.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        return invalid("text too long");
      ok = bson_append_utf8(&document, key.c_str(), key_length, text.data(),
                            static_cast<int>(text.size()));
      break;
    }
    case json::value_t::object: {
      bson_t child;
      if (!bson_append_document_begin(&document, key.c_str(), key_length, &child))
        return invalid("document too large");
      auto members = append_members(child, value, {});
      // end must follow begin even on failure, or the parent stays unusable
      ok = bson_append_document_end(&document, &child);
      if (!members) return members;
      break;
    }
    case json::value_t::array: {
      bson_t child;
      if (!bson_append_array_begin(&document, key.c_str(), key_length, &child))
        return invalid("document too large");
      Result<void> elements;
      std::uint32_t index = 0;
      for (const json& element : value) {
        char index_text[16];
        const char* index_key = nullptr;
        const std::size_t index_length =
            bson_uint32_to_string(index++, &index_key, index_text, sizeof index_text);
        elements = append_json(child, std::string_view(index_key, index_length), element);
        if (!elements) break;
      }
      ok = bson_append_array_end(&document, &child);
      if (!elements) return elements;
      break;
    }
    case json::value_t::binary:
    case json::value_t::discarded:
      return invalid("binary values cannot be stored");
  }
  if (!ok) return invalid("document too large");
  return {};
}

Result<BsonHandle> json_to_bson(const json& object, std::string_view skip_key) {
  if (!object.is_object()) return std::unexpected(Error{ErrorCode::invalid_argument, "a document must be a JSON object", {}});
  BsonHandle document = new_bson();
  if (auto appended = append_members(*document, object, skip_key); !appended)
    return std::unexpected(appended.error());
  return document;
}

json bson_to_json(const bson_t& document, std::string_view skip_key) {
  bson_iter_t children;
  if (!bson_iter_init(&children, &document)) return json::object();
  return read_container(children, /*as_array=*/false, skip_key);
}

}  // namespace mango::mongo_detail
