// mango-jwt user create | show | import.
#include <charconv>
#include <iostream>
#include <memory>

#include "cli.hpp"
#include "commands/commands.hpp"
#include "commands/user_import.hpp"

namespace mango::cli {
namespace {

struct CreateFlags {
  SettingsFlags settings;
  std::string email;
  std::vector<std::string> fields;  // key=value
};

struct ShowFlags {
  SettingsFlags settings;
  std::string who;
  bool with_hash = false;
};

int create_user(const CreateFlags& flags) {
  auto settings = load(flags.settings);
  if (!settings) return kBadSettings;

  nlohmann::json request = {{"email", flags.email}};
  for (const std::string& field : flags.fields) {
    const auto equals = field.find('=');
    if (equals == std::string::npos || equals == 0) {
      print_error("--field takes key=value, got '" + field + "'");
      return kBadSettings;
    }
    const std::string key = field.substr(0, equals);
    if (key == "email" || key == "password") {
      print_error("--field " + key + "=...: give the email as the argument and the password on "
                  "stdin or at the prompt");
      return kBadSettings;
    }
    request[key] = field.substr(equals + 1);
  }

  auto app = build_application(*settings);
  if (!app) return kBadSettings;

  // Ask for the missing fields before the password, so nobody types a password twice for nothing.
  for (const std::string& field : app->auth().options().fields) {
    if (!request.contains(field)) {
      print_error("the field '" + field + "' is required (fields setting); give it with --field " +
                  field + "=VALUE");
      return kFailed;
    }
  }
  const std::string& secondary = app->auth().options().secondary_username_field;
  if (!secondary.empty() && secondary != "email" && !request.contains(secondary)) {
    print_error("the field '" + secondary + "' is required (secondary_username_field); give it "
                "with --field " + secondary + "=VALUE");
    return kFailed;
  }

  // Taken values too (signup checks again, and the store's unique indexes decide races).
  std::vector<std::string> unique_fields = {"email"};
  if (!secondary.empty()) unique_fields.push_back(secondary);
  for (const std::string& field : unique_fields) {
    auto found = app->store().find_one(field, request[field]);
    if (found) {
      print_error("User already exists with this " + field);
      return kFailed;
    }
    if (found.error().code != ErrorCode::not_found) {
      print_error(found.error().message);
      return kFailed;
    }
  }

  auto password = read_password(/*confirm=*/true);
  if (!password) {
    print_error(password.error().message);
    return kFailed;
  }
  if (password->empty()) {
    print_error("the password is empty");
    return kFailed;
  }
  request["password"] = std::move(*password);

  auto user = app->auth().signup(request);
  if (!user) {
    print_error(user.error().message);
    return kFailed;
  }
  std::cout << to_text(*user) << "\n";
  return kOk;
}

// The user named by an email (has '@'), an id (ID_...) or a secondary username value.
Result<Document> find_user(Application& app, const std::string& who) {
  UserStore& store = app.store();
  if (who.find('@') != std::string::npos) return store.find_one("email", who);

  const std::string& secondary = app.auth().options().secondary_username_field;
  if (who.starts_with("ID_")) {
    auto user = store.find_one("id", who);
    if (user || user.error().code != ErrorCode::not_found || secondary.empty()) return user;
  }
  if (secondary.empty()) return fail(ErrorCode::not_found, "user not found");
  auto user = store.find_one(secondary, who);
  if (user || user.error().code != ErrorCode::not_found) return user;
  // A value stored as a JSON number (signup with {"mobile": 5551234}) is not the string "5551234".
  long long number = 0;
  const auto [end, error] = std::from_chars(who.data(), who.data() + who.size(), number);
  if (!who.empty() && error == std::errc{} && end == who.data() + who.size())
    return store.find_one(secondary, number);
  return user;
}

int show_user(const ShowFlags& flags) {
  auto settings = load(flags.settings);
  if (!settings) return kBadSettings;
  auto app = build_application(*settings);
  if (!app) return kBadSettings;
  auto user = find_user(*app, flags.who);
  if (!user) {
    print_error(user.error().code == ErrorCode::not_found ? "user not found"
                                                          : user.error().message);
    return kFailed;
  }
  if (!flags.with_hash) user->erase("password");
  std::cout << to_text(*user) << "\n";
  return kOk;
}

}  // namespace

void add_user_commands(CLI::App& cli, int& exit_code) {
  auto* group = cli.add_subcommand("user", "Create, show and import users");
  group->require_subcommand(1);

  auto create = std::make_shared<CreateFlags>();
  auto* create_command = group->add_subcommand(
      "create",
      "Create a user as signup does (required fields, uniqueness); the password is read from "
      "stdin when it is not a terminal, else asked twice without echo. Prints the user as JSON");
  create_command->add_option("email", create->email, "the user's email")->required();
  create_command
      ->add_option("-f,--field", create->fields,
                   "another field of the user, KEY=VALUE (repeat for each field; values are "
                   "strings)")
      ->allow_extra_args(false);
  add_config_flag(*create_command, create->settings);
  add_data_dir_flag(*create_command, create->settings);
  create_command->callback([create, &exit_code] { exit_code = create_user(*create); });

  auto show = std::make_shared<ShowFlags>();
  auto* show_command = group->add_subcommand(
      "show", "Print a user as JSON, without the password hash; exit 1 if there is none");
  show_command
      ->add_option("user", show->who,
                   "an email (contains '@'), an id (ID_...) or a secondary username value")
      ->required();
  show_command->add_flag("--with-hash", show->with_hash, "include the password hash");
  add_config_flag(*show_command, show->settings);
  add_data_dir_flag(*show_command, show->settings);
  show_command->callback([show, &exit_code] { exit_code = show_user(*show); });

  add_user_import_command(*group, exit_code);
}

}  // namespace mango::cli
