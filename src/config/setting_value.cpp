#include "setting_value.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>
#include <system_error>
#include <utility>

namespace mango::config {

namespace {

std::string_view trim(std::string_view text) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

std::string lowercase(std::string_view text) {
  std::string lowered(text);
  std::ranges::transform(lowered, lowered.begin(),
                         [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lowered;
}

// Quoted for messages, so that empty or space-padded text is visible.
std::string single_quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

bool parse_integer(std::string_view text, std::int64_t& out) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && error == std::errc{} && end == text.data() + text.size();
}

bool parse_number(std::string_view text, double& out) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && error == std::errc{} && end == text.data() + text.size() &&
         std::isfinite(out);
}

std::string range_text(std::int64_t min, std::int64_t max) {
  if (max == std::numeric_limits<std::int64_t>::max())
    return "an integer >= " + std::to_string(min);
  return "an integer " + std::to_string(min) + ".." + std::to_string(max);
}

}  // namespace

SettingValue::SettingValue(std::string key, std::string origin, const toml::node* node,
                           std::string text)
    : key_(std::move(key)), origin_(std::move(origin)), node_(node), text_(std::move(text)) {}

SettingValue SettingValue::from_file(std::string key, const toml::node& node,
                                     const std::string& file_name) {
  std::string origin = file_name;
  if (node.source().begin.line > 0) origin += " line " + std::to_string(node.source().begin.line);
  return SettingValue(std::move(key), std::move(origin), &node, {});
}

SettingValue SettingValue::from_environment(std::string key, std::string variable,
                                            std::string text) {
  return SettingValue(std::move(key), "environment variable " + variable, nullptr, std::move(text));
}

Error SettingValue::invalid(const std::string& expectation, const std::string& got) const {
  std::string message = key_ + " in " + origin_ + ": expected " + expectation;
  if (!got.empty()) message += ", got " + got;
  return Error{ErrorCode::invalid_argument, std::move(message), key_};
}

std::string SettingValue::describe_file_type() const {
  switch (node_->type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time:
      return "a date or time";
    case toml::node_type::none:
      break;
  }
  return "an unsupported value";
}

Result<std::string> SettingValue::read_string() const {
  if (from_environment()) return text_;
  if (const auto* value = node_->as_string()) return value->get();
  return std::unexpected(invalid("a string", describe_file_type()));
}

Result<bool> SettingValue::read_bool() const {
  if (!from_environment()) {
    if (const auto* value = node_->as_boolean()) return value->get();
    return std::unexpected(invalid("true or false", describe_file_type()));
  }
  const std::string word = lowercase(trim(text_));
  if (word == "true" || word == "1" || word == "yes" || word == "on") return true;
  if (word == "false" || word == "0" || word == "no" || word == "off") return false;
  return std::unexpected(invalid("true or false (also 1/0, yes/no, on/off)", single_quoted(text_)));
}

Result<std::int64_t> SettingValue::read_integer(std::int64_t min, std::int64_t max) const {
  std::int64_t number = 0;
  if (from_environment()) {
    if (!parse_integer(text_, number))
      return std::unexpected(invalid(range_text(min, max), single_quoted(text_)));
  } else if (const auto* value = node_->as_integer()) {
    number = value->get();
  } else {
    return std::unexpected(invalid(range_text(min, max), describe_file_type()));
  }
  if (number < min || number > max)
    return std::unexpected(invalid(range_text(min, max), std::to_string(number)));
  return number;
}

Result<double> SettingValue::read_number() const {
  if (from_environment()) {
    double number = 0;
    if (!parse_number(text_, number))
      return std::unexpected(invalid("a number", single_quoted(text_)));
    return number;
  }
  if (const auto* value = node_->as_integer()) return static_cast<double>(value->get());
  if (const auto* value = node_->as_floating_point()) {
    // TOML allows inf and nan; neither is a usable setting.
    if (!std::isfinite(value->get()))
      return std::unexpected(invalid("a finite number", "inf or nan"));
    return value->get();
  }
  return std::unexpected(invalid("a number", describe_file_type()));
}

Result<std::string> SettingValue::read_integer_or_string() const {
  if (from_environment()) return std::string(trim(text_));
  if (const auto* value = node_->as_integer()) return std::to_string(value->get());
  if (const auto* value = node_->as_string()) return value->get();
  return std::unexpected(invalid("an integer or a string", describe_file_type()));
}

Result<std::vector<std::string>> SettingValue::read_string_list() const {
  std::vector<std::string> items;
  if (!from_environment()) {
    const auto* array = node_->as_array();
    if (array == nullptr)
      return std::unexpected(invalid("an array of strings", describe_file_type()));
    for (const toml::node& element : *array) {
      const auto* text = element.as_string();
      if (text == nullptr)
        return std::unexpected(invalid("an array of strings", "an array holding a non-string"));
      items.push_back(text->get());
    }
    return items;
  }

  const std::string_view text = trim(text_);
  if (text.empty()) return items;
  if (text.front() == '[') {
    // nlohmann-json reports errors by exception; only whether it parsed is used here.
    const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded() || !parsed.is_array())
      return std::unexpected(
          invalid("a JSON array of strings or a comma-separated list", "malformed JSON"));
    for (const nlohmann::json& element : parsed) {
      if (!element.is_string())
        return std::unexpected(
            invalid("a JSON array of strings or a comma-separated list", "a non-string element"));
      items.push_back(element.get<std::string>());
    }
    return items;
  }
  std::string_view rest = text;
  while (true) {
    const std::size_t comma = rest.find(',');
    items.emplace_back(trim(rest.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return items;
}

}  // namespace mango::config
