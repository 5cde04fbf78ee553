// The subcommands of mango-jwt. Each add_* registers one command (or group) on `cli`; when the
// command runs, its exit status is stored in `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace mango::cli {

void add_serve_command(CLI::App& cli, int& exit_code);
void add_user_commands(CLI::App& cli, int& exit_code);     // user create | show | import
void add_token_commands(CLI::App& cli, int& exit_code);    // token issue | verify
void add_password_commands(CLI::App& cli, int& exit_code); // password hash | check
void add_check_config_command(CLI::App& cli, int& exit_code);

}  // namespace mango::cli
