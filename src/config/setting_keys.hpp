// The catalogue of setting keys: each key's name (the same in TOML and, uppercased after
// MANGO_JWT_, in the environment) and how its value is checked and stored into Settings.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "mango/error.hpp"
#include "mango/settings.hpp"
#include "setting_value.hpp"

namespace mango::config {

inline constexpr std::string_view environment_prefix = "MANGO_JWT_";

struct SettingKey {
  std::string_view name;
  // Checks the value and stores it; on failure `settings` is unchanged for this key.
  Result<void> (*apply)(Settings& settings, const SettingValue& value);
};

std::span<const SettingKey> setting_keys();
std::span<const std::string_view> setting_key_names();

// nullptr when `name` is not a setting key.
const SettingKey* find_setting_key(std::string_view name);

// "jwt_secret" -> "MANGO_JWT_JWT_SECRET".
std::string environment_variable_for(std::string_view key);

}  // namespace mango::config
