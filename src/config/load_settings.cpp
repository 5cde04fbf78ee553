// load_settings: the config file first, then MANGO_JWT_* environment variables over it, then the
// checks that involve several keys (Mango-JWT's db_host rule, secondary "email").
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "closest_name.hpp"
#include "mango/settings.hpp"
#include "setting_keys.hpp"
#include "setting_value.hpp"

extern char** environ;

namespace mango {

namespace {

using config::SettingValue;

// Reserved for the path of the config file (read by the mango-jwt binary), not a setting.
constexpr std::string_view config_file_variable = "MANGO_JWT_CONFIG";

std::unexpected<Error> invalid(std::string message, std::string key = {}) {
  return fail(ErrorCode::invalid_argument, std::move(message), std::move(key));
}

std::string unknown_key_message(std::string_view key, const std::string& file_name) {
  std::string message = "unknown key '" + std::string(key) + "' in " + file_name;
  if (auto suggestion = config::closest_name(key, config::setting_key_names()))
    message += "; did you mean '" + *suggestion + "'?";
  else
    message += "; see docs/configuration.md for the keys";
  return message;
}

std::string unknown_variable_message(std::string_view variable) {
  std::vector<std::string> variables;
  for (const std::string_view key : config::setting_key_names())
    variables.push_back(config::environment_variable_for(key));
  const std::vector<std::string_view> candidates(variables.begin(), variables.end());
  std::string message = "unknown environment variable " + std::string(variable);
  if (auto suggestion = config::closest_name(variable, candidates))
    message += "; did you mean " + *suggestion + "?";
  else
    message += "; see docs/configuration.md for the MANGO_JWT_* variables";
  return message;
}

// Where each key was last set, for messages about combinations of keys.
using Origins = std::map<std::string, std::string, std::less<>>;

Result<toml::table> parse_config_file(const std::filesystem::path& path) {
  const std::string file_name = path.string();
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (!std::filesystem::exists(status))
    return invalid("config file '" + file_name + "' does not exist");
  if (!std::filesystem::is_regular_file(status))
    return invalid("config file '" + file_name + "' is not a regular file");

  std::ifstream stream(path, std::ios::binary);
  std::ostringstream contents;
  contents << stream.rdbuf();
  if (!stream) return invalid("config file '" + file_name + "' cannot be read");

  try {
    return toml::parse(contents.str(), file_name);
  } catch (const toml::parse_error& parse_error) {
    // This goes to the operator at start-up, never to an HTTP client; toml++'s description
    // of the syntax problem is the useful part.
    const auto& where = parse_error.source().begin;
    return invalid(file_name + " line " + std::to_string(where.line) + ", column " +
                   std::to_string(where.column) +
                   ": not valid TOML: " + std::string(parse_error.description()));
  } catch (const std::exception&) {
    return invalid("config file '" + file_name + "' could not be parsed as TOML");
  }
}

Result<void> apply_config_file(const std::filesystem::path& path, Settings& settings,
                               Origins& origins) {
  auto table = parse_config_file(path);
  if (!table) return std::unexpected(table.error());
  const std::string file_name = path.string();

  // toml::table is ordered by key; report problems in the order they appear in the file.
  std::vector<std::pair<std::string_view, const toml::node*>> entries;
  for (const auto& [key, node] : *table) entries.emplace_back(key.str(), &node);
  std::ranges::stable_sort(entries, {},
                           [](const auto& entry) { return entry.second->source().begin.line; });

  for (const auto& [key, node] : entries) {
    const config::SettingKey* setting = config::find_setting_key(key);
    if (setting == nullptr) return invalid(unknown_key_message(key, file_name), std::string(key));
    const SettingValue value = SettingValue::from_file(std::string(key), *node, file_name);
    if (auto applied = setting->apply(settings, value); !applied) return applied;
    origins[std::string(key)] = file_name;
  }
  return {};
}

Result<void> apply_environment(const std::map<std::string, std::string>& environment,
                               Settings& settings, Origins& origins) {
  for (const auto& [variable, text] : environment) {
    if (!variable.starts_with(config::environment_prefix) || variable == config_file_variable)
      continue;
    std::string key = variable.substr(config::environment_prefix.size());
    const bool uppercase =
        std::ranges::none_of(key, [](unsigned char c) { return std::islower(c) != 0; });
    std::ranges::transform(key, key.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const config::SettingKey* setting = uppercase ? config::find_setting_key(key) : nullptr;
    if (setting == nullptr) return invalid(unknown_variable_message(variable), key);
    const SettingValue value = SettingValue::from_environment(key, variable, text);
    if (auto applied = setting->apply(settings, value); !applied) return applied;
    origins[key] = "environment variable " + variable;
  }
  return {};
}

// Mango-JWT builds its URI from db_host, db_port, db_name, db_user and db_pass, and fails
// without any of the last three; db_uri replaces all of them.
Result<void> check_database_keys(const Settings& settings, const Origins& origins,
                                 std::vector<std::string>& warnings) {
  const auto where = [&](std::string_view key) {
    const auto found = origins.find(key);
    return found == origins.end() ? std::string("the defaults") : found->second;
  };
  if (!settings.db_uri.empty()) {
    std::vector<std::string_view> ignored;
    for (const std::string_view key : {"db_host", "db_port", "db_name", "db_user", "db_pass"})
      if (origins.contains(key)) ignored.push_back(key);
    if (!ignored.empty()) {
      std::string listed;
      for (const std::string_view key : ignored)
        listed += (listed.empty() ? "" : ", ") + std::string(key);
      warnings.push_back("db_uri (from " + where("db_uri") + ") overrides " + listed +
                         ", which are ignored");
    }
    return {};
  }
  if (settings.db_host.empty()) {
    if (settings.db_port)
      warnings.push_back("db_port (from " + where("db_port") +
                         ") is ignored because db_host is not set");
    return {};
  }
  const std::pair<std::string_view, const std::string*> required[] = {
      {"db_name", &settings.db_name},
      {"db_user", &settings.db_user},
      {"db_pass", &settings.db_pass}};
  for (const auto& [key, value] : required) {
    if (!value->empty()) continue;
    return invalid(std::string(key) + " is missing or empty: db_host is set (in " +
                       where("db_host") + "), which needs db_name, db_user and db_pass; set " +
                       std::string(key) + " (or " + config::environment_variable_for(key) +
                       "), or give a full db_uri instead",
                   std::string(key));
  }
  return {};
}

}  // namespace

Result<Settings> load_settings(const SettingsSources& sources, std::vector<std::string>& warnings) {
  Settings settings;
  Origins origins;
  if (sources.config_file) {
    if (auto applied = apply_config_file(*sources.config_file, settings, origins); !applied)
      return std::unexpected(applied.error());
  }
  if (auto applied = apply_environment(sources.environment, settings, origins); !applied)
    return std::unexpected(applied.error());

  if (settings.secondary_username_field == "email") {
    settings.secondary_username_field.clear();
    warnings.emplace_back(
        "secondary_username_field = \"email\" is treated as none, as Mango-JWT does");
  }
  if (auto checked = check_database_keys(settings, origins, warnings); !checked)
    return std::unexpected(checked.error());
  return settings;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> variables;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string_view assignment(*entry);
    const std::size_t equals = assignment.find('=');
    if (equals == std::string_view::npos || !assignment.starts_with(config::environment_prefix))
      continue;
    variables.emplace(assignment.substr(0, equals), assignment.substr(equals + 1));
  }
  return variables;
}

}  // namespace mango
