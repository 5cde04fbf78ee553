// mango-jwt: the command line. Thin: each subcommand (app/commands/) parses its flags, loads the
// settings as serve does, builds what it needs and runs.
#include <CLI/CLI.hpp>

#include "cli.hpp"
#include "commands/commands.hpp"

int main(int argc, char** argv) {
  CLI::App cli{"mango-jwt: JWT user authentication for MongoDB, a drop-in for Mango-JWT"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", "mango-jwt 0.1.0");
  cli.footer(
      "Every command reads the same settings: --config FILE (or $MANGO_JWT_CONFIG), then "
      "MANGO_JWT_<KEY> environment variables (docs/configuration.md). Exit status: 0 ok, 1 the "
      "operation failed (not found, invalid, no match), 2 bad settings or usage. "
      "See docs/cli.md.");

  int exit_code = mango::cli::kOk;
  mango::cli::add_serve_command(cli, exit_code);
  mango::cli::add_user_commands(cli, exit_code);
  mango::cli::add_token_commands(cli, exit_code);
  mango::cli::add_password_commands(cli, exit_code);
  mango::cli::add_check_config_command(cli, exit_code);

  // Results go to stdout; logs (and the server's log) to stderr, except serve's, which keeps
  // spdlog's default of stdout.
  bool serving = argc > 1 && std::string_view(argv[1]) == "serve";
  if (!serving) mango::cli::log_to_stderr();

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = cli.exit(error);  // prints help, version or the usage error
    return code == 0 ? mango::cli::kOk : mango::cli::kBadSettings;
  }
  return exit_code;
}
