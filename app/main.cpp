// mango-jwt: the command line. Thin: parse flags, load settings, build the application, run.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "mango/application.hpp"
#include "mango/settings.hpp"

namespace {

struct CommonFlags {
  std::string config_file;
  std::map<std::string, std::string> overrides;  // settings given as flags, as MANGO_JWT_* names
};

void add_config_flag(CLI::App& command, CommonFlags& flags) {
  command.add_option("-c,--config", flags.config_file,
                     "TOML settings file (keys: docs/configuration.md; default: $MANGO_JWT_CONFIG); "
                     "MANGO_JWT_<KEY> environment variables override it");
}

// Settings from the file, the environment and the flags (flags win). Prints the error and
// returns nothing when they are invalid.
std::optional<mango::Settings> load(const CommonFlags& flags) {
  mango::SettingsSources sources;
  sources.environment = mango::process_environment();
  if (!flags.config_file.empty()) {
    sources.config_file = flags.config_file;
  } else if (const char* path = std::getenv("MANGO_JWT_CONFIG"); path && *path) {
    sources.config_file = path;
  }
  for (const auto& [key, value] : flags.overrides) sources.environment[key] = value;
  std::vector<std::string> warnings;
  auto settings = mango::load_settings(sources, warnings);
  if (!settings) {
    std::cerr << "mango-jwt: " << settings.error().message << "\n";
    return std::nullopt;
  }
  if (auto level = spdlog::level::from_str(settings->log_level); level != spdlog::level::off)
    spdlog::set_level(level);
  for (const auto& warning : warnings) spdlog::warn("{}", warning);
  return std::move(*settings);
}

int serve(const CommonFlags& flags) {
  auto settings = load(flags);
  if (!settings) return 2;
  std::vector<std::string> warnings;
  auto app = mango::Application::create(*settings, warnings);
  for (const auto& warning : warnings) spdlog::warn("{}", warning);
  if (!app) {
    std::cerr << "mango-jwt: " << app.error().message << "\n";
    return 2;
  }
  if (auto started = (*app)->start(); !started) {
    std::cerr << "mango-jwt: " << started.error().message << "\n";
    return 1;
  }
  spdlog::info("mango-jwt listening on http://{}:{}/{} (store: {})", settings->listen_host,
               (*app)->port(), settings->url_prefix,
               settings->uses_mongo() ? "MongoDB"
                                      : "embedded SQLite in " + settings->data_dir.string());
  (*app)->wait_for_signal();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"mango-jwt: JWT user authentication for MongoDB, a drop-in for Mango-JWT"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", "mango-jwt 0.1.0");

  CommonFlags flags;
  std::string listen, data_dir;
  auto* serve_command = cli.add_subcommand(
      "serve", "Run the HTTP server: POST <prefix>signup/, POST <prefix>login/, GET <prefix>me/");
  add_config_flag(*serve_command, flags);
  serve_command->add_option("-l,--listen", listen,
                            "HOST:PORT to listen on (default 127.0.0.1:8000; setting 'listen')");
  serve_command->add_option("-d,--data-dir", data_dir,
                            "directory of the embedded store and generated key (default "
                            "./mango-data; setting 'data_dir')");
  serve_command->callback([&] {
    if (!listen.empty()) flags.overrides["MANGO_JWT_LISTEN"] = listen;
    if (!data_dir.empty()) flags.overrides["MANGO_JWT_DATA_DIR"] = data_dir;
    std::exit(serve(flags));
  });

  CLI11_PARSE(cli, argc, argv);
  return 0;
}
