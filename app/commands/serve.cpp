// mango-jwt serve: the HTTP server.
#include <spdlog/spdlog.h>

#include <memory>

#include "cli.hpp"
#include "commands/commands.hpp"

namespace mango::cli {
namespace {

struct ServeFlags {
  SettingsFlags settings;
  std::string listen;
};

int serve(const ServeFlags& flags) {
  SettingsFlags settings_flags = flags.settings;
  if (!flags.listen.empty()) settings_flags.overrides["MANGO_JWT_LISTEN"] = flags.listen;
  auto settings = load(settings_flags);
  if (!settings) return kBadSettings;
  auto app = build_application(*settings);
  if (!app) return kBadSettings;
  if (auto started = app->start(); !started) {
    print_error(started.error().message);
    return kFailed;
  }
  spdlog::info("mango-jwt listening on http://{}:{}/{} ({})", settings->listen_host,
               app->port(), settings->url_prefix,
               settings->uses_mongo() ? "MongoDB store"
                                      : "embedded store in " + settings->data_dir.string() + "/");
  app->wait_for_signal();
  spdlog::info("stopped");
  return kOk;
}

}  // namespace

void add_serve_command(CLI::App& cli, int& exit_code) {
  auto flags = std::make_shared<ServeFlags>();
  auto* command = cli.add_subcommand(
      "serve", "Run the HTTP server: POST <prefix>signup/, POST <prefix>login/, GET <prefix>me/");
  add_config_flag(*command, flags->settings);
  command->add_option("-l,--listen", flags->listen,
                      "HOST:PORT to listen on (default 127.0.0.1:8000; setting 'listen')");
  add_data_dir_flag(*command, flags->settings);
  command->callback([flags, &exit_code] { exit_code = serve(*flags); });
}

}  // namespace mango::cli
