// mango-jwt token issue | verify.
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli.hpp"
#include "commands/commands.hpp"

namespace mango::cli {
namespace {

struct IssueFlags {
  SettingsFlags settings;
  std::string user_id;
  bool no_check = false;
};

struct VerifyFlags {
  SettingsFlags settings;
  std::string token;
};

// Why a token was refused, after "invalid token: ".
const char* reason(TokenFailure failure) {
  switch (failure) {
    case TokenFailure::malformed: return "malformed";
    case TokenFailure::wrong_algorithm: return "algorithm not allowed (HS256 only)";
    case TokenFailure::bad_signature: return "bad signature";
    case TokenFailure::expired: return "expired";
    case TokenFailure::not_yet_valid: return "not valid yet";
    case TokenFailure::missing_user_id: return "no user id";
  }
  return "invalid";
}

int issue(const IssueFlags& flags) {
  auto settings = load(flags.settings);
  if (!settings) return kBadSettings;
  auto app = build_application(*settings);
  if (!app) return kBadSettings;
  if (flags.user_id.empty()) {
    print_error("the user id is empty");
    return kFailed;
  }
  if (!flags.no_check) {
    auto user = app->store().find_one("id", flags.user_id);
    if (!user) {
      print_error(user.error().code == ErrorCode::not_found
                      ? "user not found (no user has the id '" + flags.user_id +
                            "'; --no-check issues a token anyway)"
                      : user.error().message);
      return kFailed;
    }
  }
  std::cout << app->tokens().issue(flags.user_id) << "\n";
  return kOk;
}

int verify(const VerifyFlags& flags) {
  auto settings = load(flags.settings);
  if (!settings) return kBadSettings;
  // Without a configured key the embedded store's key is in data_dir; creating a new one here
  // could verify nothing.
  if (settings->jwt_secret.empty() && !settings->uses_mongo()) {
    const auto key_file = settings->data_dir / "jwt_secret";
    std::error_code error;
    if (!std::filesystem::exists(key_file, error)) {
      print_error("no signing key: jwt_secret is not set and " + key_file.string() +
                  " does not exist (is data_dir right?)");
      return kBadSettings;
    }
  }
  auto app = build_application(*settings);
  if (!app) return kBadSettings;
  std::string text = flags.token;
  if (text == "-") {  // from stdin, keeping it out of the process list
    std::getline(std::cin, text);
    if (text.ends_with('\r')) text.pop_back();
  }
  std::string_view token = token_from_authorization(text);
  auto claims = app->tokens().verify(token);
  if (!claims) {
    std::cerr << "invalid token: " << reason(claims.error()) << "\n";
    return kFailed;
  }
  nlohmann::json payload = {{"id", claims->user_id}};
  if (claims->expires_at != 0) {
    payload["exp"] = claims->expires_at;
    payload["exp_utc"] = iso_utc(claims->expires_at);
  } else {
    payload["exp"] = nullptr;
  }
  std::cout << to_text(payload) << "\n";
  return kOk;
}

}  // namespace

void add_token_commands(CLI::App& cli, int& exit_code) {
  auto* group = cli.add_subcommand("token", "Issue and verify JSON Web Tokens with the configured key");
  group->require_subcommand(1);

  auto issue_flags = std::make_shared<IssueFlags>();
  auto* issue_command = group->add_subcommand(
      "issue", "Print a token for a user, as login issues it (jwt_life from now)");
  issue_command->add_option("user_id", issue_flags->user_id, "the user's id (ID_...)")->required();
  issue_command->add_flag("--no-check", issue_flags->no_check,
                          "issue the token even if no user has this id");
  add_config_flag(*issue_command, issue_flags->settings);
  add_data_dir_flag(*issue_command, issue_flags->settings);
  issue_command->callback([issue_flags, &exit_code] { exit_code = issue(*issue_flags); });

  auto verify_flags = std::make_shared<VerifyFlags>();
  auto* verify_command = group->add_subcommand(
      "verify",
      "Check a token (HS256, the configured key, exp) and print its payload: id, exp and exp as an "
      "ISO UTC time. Exit 0 when valid, 1 when not (the reason on stderr)");
  verify_command
      ->add_option("token", verify_flags->token, "the token (a 'Bearer ' prefix is accepted); '-' reads it from stdin")
      ->required();
  add_config_flag(*verify_command, verify_flags->settings);
  add_data_dir_flag(*verify_command, verify_flags->settings);
  verify_command->callback([verify_flags, &exit_code] { exit_code = verify(*verify_flags); });
}

}  // namespace mango::cli
