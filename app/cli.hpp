// What every mango-jwt subcommand shares: the settings flags and loading, building the
// application, reading passwords, and printing JSON and errors.
#pragma once

#include <CLI/CLI.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "mango/application.hpp"
#include "mango/error.hpp"
#include "mango/settings.hpp"

namespace mango::cli {

// Exit codes shared by the subcommands.
inline constexpr int kOk = 0;
inline constexpr int kFailed = 1;        // the operation said no: not found, invalid, no match
inline constexpr int kBadSettings = 2;   // settings, usage or start-up errors

// Flags that choose the settings: --config, plus settings given as flags (as MANGO_JWT_* names).
struct SettingsFlags {
  std::string config_file;
  std::string data_dir;
  std::map<std::string, std::string> overrides;
};

// --config FILE (default $MANGO_JWT_CONFIG).
void add_config_flag(CLI::App& command, SettingsFlags& flags);
// --data-dir DIR (setting data_dir).
void add_data_dir_flag(CLI::App& command, SettingsFlags& flags);

// Settings from the file, the environment and the flags (flags win), warnings logged. Prints
// the error and returns nothing when they are invalid.
std::optional<Settings> load(SettingsFlags flags);

// Application::create over loaded settings (store, hasher, tokens; never start()). Prints the
// error and returns nullptr on failure.
std::unique_ptr<Application> build_application(const Settings& settings);

// Sends log lines to stderr, so that stdout carries only a command's result.
void log_to_stderr();

// "mango-jwt: <message>" on stderr.
void print_error(std::string_view message);

// A password for a command: from stdin when it is not a terminal (all of it, less ONE trailing
// "\n"), else from a no-echo prompt on the terminal, asked twice when `confirm` is set.
// An error message when it cannot be read (or the two entries differ).
Result<std::string> read_password(bool confirm);

// JSON for people and programs: indented, UTF-8, invalid UTF-8 replaced rather than thrown.
std::string to_text(const nlohmann::json& value);

// "1970-01-01T00:00:00Z" for unix seconds.
std::string iso_utc(std::int64_t unix_seconds);

}  // namespace mango::cli
