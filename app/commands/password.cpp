// mango-jwt password hash | check: the configured PasswordHasher, without a store or a key.
#include <iostream>
#include <memory>

#include "cli.hpp"
#include "commands/commands.hpp"
#include "mango/password.hpp"

namespace mango::cli {
namespace {

struct HashFlags {
  SettingsFlags settings;
};

struct CheckFlags {
  SettingsFlags settings;
  std::string hash;
};

// The hasher the server would use: password_scheme and pbkdf2_rounds from the settings.
std::unique_ptr<PasswordHasher> configured_hasher(const Settings& settings) {
  PasswordOptions options;
  options.scheme = settings.password_scheme;
  options.pbkdf2_rounds = settings.pbkdf2_rounds;
  auto hasher = PasswordHasher::create(options);
  if (!hasher) {
    print_error(hasher.error().message);
    return nullptr;
  }
  return std::move(*hasher);
}

int hash(const HashFlags& flags) {
  auto settings = load(flags.settings);
  if (!settings) return kBadSettings;
  auto hasher = configured_hasher(*settings);
  if (!hasher) return kBadSettings;
  auto password = read_password(/*confirm=*/true);
  if (!password) {
    print_error(password.error().message);
    return kFailed;
  }
  if (password->empty()) {
    print_error("the password is empty");
    return kFailed;
  }
  std::cout << hasher->hash(*password) << "\n";
  return kOk;
}

int check(const CheckFlags& flags) {
  auto settings = load(flags.settings);
  if (!settings) return kBadSettings;
  auto hasher = configured_hasher(*settings);
  if (!hasher) return kBadSettings;
  auto password = read_password(/*confirm=*/false);
  if (!password) {
    print_error(password.error().message);
    return kFailed;
  }
  const bool match = hasher->verify(*password, flags.hash);
  std::cout << (match ? "match" : "no match") << "\n";
  return match ? kOk : kFailed;
}

}  // namespace

void add_password_commands(CLI::App& cli, int& exit_code) {
  auto* group = cli.add_subcommand(
      "password", "Hash and check passwords in Django's formats, as the server does");
  group->require_subcommand(1);

  auto hash_flags = std::make_shared<HashFlags>();
  auto* hash_command = group->add_subcommand(
      "hash",
      "Print a hash of a password with the configured password_scheme and pbkdf2_rounds; the "
      "password is read from stdin (less one trailing newline) or asked twice at the terminal");
  add_config_flag(*hash_command, hash_flags->settings);
  hash_command->callback([hash_flags, &exit_code] { exit_code = hash(*hash_flags); });

  auto check_flags = std::make_shared<CheckFlags>();
  auto* check_command = group->add_subcommand(
      "check",
      "Check a password (stdin, or asked at the terminal) against a stored hash of any verified "
      "scheme; prints 'match' (exit 0) or 'no match' (exit 1)");
  check_command->add_option("--hash", check_flags->hash, "the stored hash, e.g. pbkdf2_sha256$...")
      ->required();
  add_config_flag(*check_command, check_flags->settings);
  check_command->callback([check_flags, &exit_code] { exit_code = check(*check_flags); });
}

}  // namespace mango::cli
