// One raw setting value, from the config file or from an environment variable, and the typed
// readers every key uses. Every error names the key, where the value came from and what is
// expected, on one line.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "mango/error.hpp"

namespace mango::config {

class SettingValue {
 public:
  // A value read from the config file; `node` must outlive this object.
  static SettingValue from_file(std::string key, const toml::node& node,
                                const std::string& file_name);
  // A value read from an environment variable.
  static SettingValue from_environment(std::string key, std::string variable, std::string text);

  const std::string& key() const { return key_; }
  // "mango.toml line 3" or "environment variable MANGO_JWT_DB_PORT".
  const std::string& origin() const { return origin_; }
  bool from_environment() const { return node_ == nullptr; }

  // The readers accept the TOML type named, or environment text that parses as it.
  Result<std::string> read_string() const;
  Result<bool> read_bool() const;
  Result<std::int64_t> read_integer(std::int64_t min, std::int64_t max) const;
  // An integer or a float (a TOML integer is accepted where a number is expected).
  Result<double> read_number() const;
  // A TOML array of strings; from the environment a JSON array or a comma-separated list.
  Result<std::vector<std::string>> read_string_list() const;
  // An integer or a string (db_port accepts either, as Django settings do), as text.
  Result<std::string> read_integer_or_string() const;

  // "<key> in <origin>: expected <expectation>" plus, when given, ", got <got>".
  Error invalid(const std::string& expectation, const std::string& got = {}) const;

 private:
  SettingValue(std::string key, std::string origin, const toml::node* node, std::string text);

  // How a TOML value is described in a wrong-type message ("a string", "an array", ...).
  std::string describe_file_type() const;

  std::string key_;
  std::string origin_;
  const toml::node* node_ = nullptr;  // set when the value comes from the file
  std::string text_;                  // set when the value comes from the environment
};

}  // namespace mango::config
