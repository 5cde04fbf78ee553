#include "cli.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>

namespace mango::cli {
namespace {

// Far above any real password (the hasher refuses over 4096 characters); a bigger stdin is a
// mistake such as a file piped in by accident.
constexpr std::size_t kMaxPasswordInputBytes = 64 * 1024;

// The terminal settings to restore if a signal arrives while echo is off.
struct termios saved_terminal;
volatile std::sig_atomic_t echo_is_off = 0;

extern "C" void restore_terminal_and_reraise(int signal_number) {
  if (echo_is_off) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_terminal);
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

// One line typed at the terminal without echo (echo is off before the prompt shows, so nothing
// typed after it is echoed); nullopt at end of input.
std::optional<std::string> prompt_without_echo(const char* prompt) {
  struct termios quiet;
  const bool have_terminal = ::tcgetattr(STDIN_FILENO, &saved_terminal) == 0;
  if (have_terminal) {
    quiet = saved_terminal;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    echo_is_off = 1;
    for (int signal_number : {SIGINT, SIGTERM, SIGQUIT, SIGTSTP, SIGHUP})
      std::signal(signal_number, restore_terminal_and_reraise);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);  // also drops what was typed ahead, echoed
  }
  std::fputs(prompt, stderr);
  std::fflush(stderr);
  std::string line;
  bool ended = false;
  for (;;) {
    char c;
    const ssize_t got = ::read(STDIN_FILENO, &c, 1);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      ended = true;
      break;
    }
    if (c == '\n') break;
    line.push_back(c);
  }
  if (have_terminal) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_terminal);
    echo_is_off = 0;
    for (int signal_number : {SIGINT, SIGTERM, SIGQUIT, SIGTSTP, SIGHUP})
      std::signal(signal_number, SIG_DFL);
  }
  if (ended && line.empty()) {
    std::fputs("\n", stderr);
    return std::nullopt;
  }
  return line;
}

}  // namespace

void add_config_flag(CLI::App& command, SettingsFlags& flags) {
  command.add_option("-c,--config", flags.config_file,
                     "TOML settings file (keys: docs/configuration.md; default: $MANGO_JWT_CONFIG); "
                     "MANGO_JWT_<KEY> environment variables override it");
}

void add_data_dir_flag(CLI::App& command, SettingsFlags& flags) {
  command.add_option("-d,--data-dir", flags.data_dir,
                     "directory of the embedded store and generated key (default ./mango-data; "
                     "setting 'data_dir')");
}

std::optional<Settings> load(SettingsFlags flags) {
  SettingsSources sources;
  sources.environment = process_environment();
  if (!flags.config_file.empty()) {
    sources.config_file = flags.config_file;
  } else if (const char* path = std::getenv("MANGO_JWT_CONFIG"); path && *path) {
    sources.config_file = path;
  }
  if (!flags.data_dir.empty()) flags.overrides["MANGO_JWT_DATA_DIR"] = flags.data_dir;
  for (const auto& [key, value] : flags.overrides) sources.environment[key] = value;
  std::vector<std::string> warnings;
  auto settings = load_settings(sources, warnings);
  if (!settings) {
    print_error(settings.error().message);
    return std::nullopt;
  }
  if (auto level = spdlog::level::from_str(settings->log_level); level != spdlog::level::off)
    spdlog::set_level(level);
  for (const auto& warning : warnings) spdlog::warn("{}", warning);
  return std::move(*settings);
}

std::unique_ptr<Application> build_application(const Settings& settings) {
  std::vector<std::string> warnings;
  auto app = Application::create(settings, warnings);
  for (const auto& warning : warnings) spdlog::warn("{}", warning);
  if (!app) {
    print_error(app.error().message);
    return nullptr;
  }
  return std::move(*app);
}

void log_to_stderr() {
  auto logger = spdlog::stderr_color_mt("mango-jwt-cli");
  logger->set_pattern("mango-jwt: %l: %v");
  spdlog::set_default_logger(std::move(logger));
}

void print_error(std::string_view message) { std::cerr << "mango-jwt: " << message << "\n"; }

Result<std::string> read_password(bool confirm) {
  if (::isatty(STDIN_FILENO)) {
    auto first = prompt_without_echo("Password: ");
    if (!first) return fail(ErrorCode::invalid_argument, "no password given");
    if (confirm) {
      auto second = prompt_without_echo("Password (again): ");
      if (!second) return fail(ErrorCode::invalid_argument, "no password given");
      if (*first != *second) return fail(ErrorCode::invalid_argument, "the passwords do not match");
    }
    return std::move(*first);
  }
  std::string password;
  char buffer[4096];
  for (;;) {
    const std::size_t got = std::fread(buffer, 1, sizeof buffer, stdin);
    password.append(buffer, got);
    if (password.size() > kMaxPasswordInputBytes + 1)
      return fail(ErrorCode::invalid_argument,
                  "the password on stdin is longer than " + std::to_string(kMaxPasswordInputBytes) +
                      " bytes");
    if (got < sizeof buffer) break;
  }
  if (std::ferror(stdin)) return fail(ErrorCode::invalid_argument, "cannot read the password from stdin");
  if (password.ends_with('\n')) password.pop_back();  // one newline, as `echo` adds; no more
  if (password.size() > kMaxPasswordInputBytes)
    return fail(ErrorCode::invalid_argument,
                "the password on stdin is longer than " + std::to_string(kMaxPasswordInputBytes) +
                    " bytes");
  return password;
}

std::string to_text(const nlohmann::json& value) {
  return value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string iso_utc(std::int64_t unix_seconds) {
  const std::time_t time = static_cast<std::time_t>(unix_seconds);
  std::tm parts{};
  if (::gmtime_r(&time, &parts) == nullptr) return "?";
  char text[64];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

}  // namespace mango::cli
