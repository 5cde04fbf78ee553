// Fuzz target: settings parsing (mango::load_settings) from a TOML file and from MANGO_JWT_*
// environment variables.
//
// Input: byte 0 = flags, then "<TOML file>" optionally followed by "\n%%\n<environment>", where
// the environment is one "NAME=VALUE" a line; NAME gets the MANGO_JWT_ prefix unless it has it.
//   flags & 1: no config file at all (environment only).
// The file is written to a private temporary path (one per process) before each load.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "mango/settings.hpp"

namespace {

const std::filesystem::path& config_path() {
  static const std::filesystem::path path = [] {
    const char* tmp = std::getenv("TMPDIR");
    auto dir = std::filesystem::path(tmp && *tmp ? tmp : "/tmp");
    auto file = dir / ("mango-fuzz-settings-" + std::to_string(::getpid()) + ".toml");
    std::atexit([] { std::error_code ignored; std::filesystem::remove(config_path(), ignored); });
    return file;
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t flags = data[0];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  constexpr std::string_view kSeparator = "\n%%\n";
  const std::size_t split = text.find(kSeparator);
  const std::string_view file_text = text.substr(0, split);
  const std::string_view environment_text =
      split == std::string_view::npos ? std::string_view{} : text.substr(split + kSeparator.size());

  mango::SettingsSources sources;
  if (!(flags & 1)) {
    std::ofstream(config_path(), std::ios::binary | std::ios::trunc)
        .write(file_text.data(), static_cast<std::streamsize>(file_text.size()));
    sources.config_file = config_path();
  }
  std::size_t start = 0;
  while (start < environment_text.size()) {
    std::size_t end = environment_text.find('\n', start);
    if (end == std::string_view::npos) end = environment_text.size();
    const std::string_view line = environment_text.substr(start, end - start);
    start = end + 1;
    const std::size_t equals = line.find('=');
    if (equals == std::string_view::npos) continue;
    std::string name(line.substr(0, equals));
    if (!name.starts_with("MANGO_JWT_")) name = "MANGO_JWT_" + name;
    sources.environment[name] = std::string(line.substr(equals + 1));
  }

  std::vector<std::string> warnings;
  const auto settings = mango::load_settings(sources, warnings);
  if (!settings) {
    // Refusals name what is wrong, in one line.
    if (settings.error().code != mango::ErrorCode::invalid_argument) std::abort();
    if (settings.error().message.empty()) std::abort();
    return 0;
  }
  // What the rest of the server relies on after a successful load.
  if (!settings->url_prefix.empty() &&
      (settings->url_prefix.front() == '/' || settings->url_prefix.back() != '/'))
    std::abort();
  if (!(settings->jwt_life_days > 0)) std::abort();
  for (const auto& field : settings->fields)
    if (field.empty() || field == "_id" || field.find('$') != std::string::npos) std::abort();
  return 0;
}
