#pragma once

#include <CLI/CLI.hpp>

namespace mango::cli {

// user import FILE.jsonl: users exported from a Mango-JWT collection, one JSON document a line.
void add_user_import_command(CLI::App& user_group, int& exit_code);

}  // namespace mango::cli
