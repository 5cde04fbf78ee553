// mango-jwt check-config: load and validate the settings as serve would, and print the
// effective value of every key as TOML, credentials masked.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli.hpp"
#include "commands/commands.hpp"
#include "mango/password.hpp"

#include <spdlog/spdlog.h>

namespace mango::cli {
namespace {

// A TOML basic string.
std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (byte < 0x20 || byte == 0x7f) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// "****(64 chars)" for a credential, "" when there is none.
std::string masked(std::string_view secret) {
  if (secret.empty()) return "";
  return "****(" + std::to_string(secret.size()) + " chars)";
}

bool contains_ignoring_case(std::string_view text, std::string_view word) {
  return std::search(text.begin(), text.end(), word.begin(), word.end(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == b;
         }) != text.end();
}

// A MongoDB URI with the password of its user info, and the values of options named
// *password* (tlsCertificateKeyFilePassword), replaced by ****.
std::string masked_uri(std::string_view uri) {
  const auto scheme_end = uri.find("://");
  if (scheme_end == std::string_view::npos) return masked(uri);
  const std::size_t authority_begin = scheme_end + 3;
  std::size_t authority_end = uri.find_first_of("/?#", authority_begin);
  if (authority_end == std::string_view::npos) authority_end = uri.size();
  std::string out(uri.substr(0, authority_begin));
  std::string_view authority = uri.substr(authority_begin, authority_end - authority_begin);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view user_info = authority.substr(0, at);
    if (const auto colon = user_info.find(':'); colon != std::string_view::npos)
      user_info = user_info.substr(0, colon + 1);
    out += std::string(user_info) + (user_info.ends_with(':') ? "****" : "") +
           std::string(authority.substr(at));
  } else {
    out += authority;
  }
  std::string_view rest = uri.substr(authority_end);
  const auto query = rest.find('?');
  out += rest.substr(0, query == std::string_view::npos ? rest.size() : query + 1);
  if (query == std::string_view::npos) return out;
  std::string_view options = rest.substr(query + 1);
  bool first = true;
  while (true) {
    const auto separator = options.find('&');
    std::string_view option = options.substr(0, separator);
    if (!first) out += '&';
    first = false;
    const auto equals = option.find('=');
    if (equals != std::string_view::npos && contains_ignoring_case(option.substr(0, equals), "password"))
      out += std::string(option.substr(0, equals + 1)) + "****";
    else
      out += option;
    if (separator == std::string_view::npos) break;
    options.remove_prefix(separator + 1);
  }
  return out;
}

std::string toml_number(double value) {
  char text[64];
  const auto [end, error] = std::to_chars(text, text + sizeof text, value);
  if (error != std::errc{}) return "0";
  return std::string(text, end);
}

std::string toml_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + toml_string(items[i]);
  return out + "]";
}

std::string listen_text(const Settings& settings) {
  const bool ipv6 = settings.listen_host.find(':') != std::string::npos;
  return (ipv6 ? "[" + settings.listen_host + "]" : settings.listen_host) + ":" +
         std::to_string(settings.listen_port);
}

// Every key, in docs/configuration.md's order.
std::string effective_settings(const Settings& s, const std::string& secret_note) {
  std::ostringstream out;
  const auto line = [&](std::string_view key, const std::string& value,
                        const std::string& note = {}) {
    out << key << " = " << value;
    if (!note.empty()) out << "  # " << note;
    out << "\n";
  };
  out << "# Mango-JWT's keys\n";
  line("db_host", toml_string(s.db_host));
  if (s.db_port)
    line("db_port", *s.db_port);
  else
    out << "# db_port is not set\n";
  line("db_name", toml_string(s.db_name));
  line("db_user", toml_string(s.db_user));
  line("db_pass", toml_string(masked(s.db_pass)), s.db_pass.empty() ? "" : "masked");
  line("auth_collection", toml_string(s.auth_collection));
  line("fields", toml_list(s.fields));
  line("jwt_secret", toml_string(masked(s.jwt_secret)), secret_note);
  line("jwt_life", toml_number(s.jwt_life_days), "days");
  line("secondary_username_field", toml_string(s.secondary_username_field));
  out << "\n# mango-jwt's keys\n";
  line("db_uri", toml_string(masked_uri(s.db_uri)), s.db_uri.empty() ? "" : "password masked");
  line("allow_weak_secret", s.allow_weak_secret ? "true" : "false");
  line("listen", toml_string(listen_text(s)));
  line("url_prefix", toml_string(s.url_prefix));
  line("io_threads", std::to_string(s.io_threads));
  line("worker_threads", std::to_string(s.worker_threads),
       s.worker_threads == 0 ? "4 per core, at least 16" : "");
  line("hashing_threads", std::to_string(s.hashing_threads),
       s.hashing_threads == 0 ? "one per core" : "");
  line("data_dir", toml_string(s.data_dir.string()));
  line("password_scheme", toml_string(s.password_scheme));
  line("pbkdf2_rounds", std::to_string(s.pbkdf2_rounds));
  line("max_body_bytes", std::to_string(s.max_body_bytes));
  line("max_header_bytes", std::to_string(s.max_header_bytes));
  line("idle_timeout_seconds", std::to_string(s.idle_timeout.count()));
  line("db_timeout_ms", std::to_string(s.db_timeout.count()));
  line("user_cache_seconds", std::to_string(s.user_cache_ttl.count()));
  line("log_level", toml_string(s.log_level));
  out << "\n# security\n";
  line("jwt_leeway_seconds", std::to_string(s.jwt_leeway.count()));
  line("jwt_require_exp", s.jwt_require_exp ? "true" : "false");
  line("uniform_errors", s.uniform_errors ? "true" : "false");
  line("login_throttle_pair_limit", std::to_string(s.login_throttle_pair_limit));
  line("login_throttle_address_limit", std::to_string(s.login_throttle_address_limit));
  line("login_throttle_username_limit", std::to_string(s.login_throttle_username_limit));
  line("login_throttle_window_seconds", std::to_string(s.login_throttle_window.count()));
  line("login_throttle_base_delay_seconds", std::to_string(s.login_throttle_base_delay.count()));
  line("login_throttle_max_delay_seconds", std::to_string(s.login_throttle_max_delay.count()));
  line("trusted_proxy_header", toml_string(s.trusted_proxy_header));
  line("trusted_proxies", toml_list(s.trusted_proxies));
  return out.str();
}

int check_config(const SettingsFlags& flags) {
  auto settings = load(flags);
  if (!settings) return kBadSettings;

  // The key: checked as serve checks it, except that a missing embedded key is not created here.
  std::string secret_note;
  if (settings->jwt_secret.empty() && !settings->uses_mongo()) {
    const auto key_file = settings->data_dir / "jwt_secret";
    std::error_code error;
    const bool exists = std::filesystem::exists(key_file, error);
    secret_note = "not set: serve uses the key in " + key_file.string() +
                  (exists ? "" : " (generated at first start)");
  } else {
    std::vector<std::string> warnings;
    auto secret = resolve_jwt_secret(*settings, warnings);
    for (const auto& warning : warnings) spdlog::warn("{}", warning);
    if (!secret) {
      print_error(secret.error().message);
      return kBadSettings;
    }
    secret_note = "masked";
  }

  PasswordOptions password_options;
  password_options.scheme = settings->password_scheme;
  password_options.pbkdf2_rounds = settings->pbkdf2_rounds;
  if (auto hasher = PasswordHasher::create(password_options); !hasher) {
    print_error(hasher.error().message);
    return kBadSettings;
  }

  std::cout << "# mango-jwt effective settings: ";
  if (!flags.config_file.empty())
    std::cout << "config file " << flags.config_file;
  else if (const char* path = std::getenv("MANGO_JWT_CONFIG"); path && *path)
    std::cout << "config file " << path << " (MANGO_JWT_CONFIG)";
  else
    std::cout << "no config file";
  const auto environment = process_environment();
  std::string names;
  for (const auto& [name, value] : environment)
    if (name != "MANGO_JWT_CONFIG") names += (names.empty() ? "" : ", ") + name;
  std::cout << "; environment: " << (names.empty() ? "none" : names) << "\n";
  std::cout << "# store: "
            << (settings->uses_mongo() ? std::string("MongoDB")
                                       : "embedded SQLite, " +
                                             (settings->data_dir / "users.sqlite3").string())
            << "\n\n";
  std::cout << effective_settings(*settings, secret_note);
  return kOk;
}

}  // namespace

void add_check_config_command(CLI::App& cli, int& exit_code) {
  auto flags = std::make_shared<SettingsFlags>();
  auto* command = cli.add_subcommand(
      "check-config",
      "Load and validate the settings as serve does, and print every key's effective value as "
      "TOML (jwt_secret, db_pass and db_uri's password masked). Exit 0, or 2 with the error");
  add_config_flag(*command, *flags);
  add_data_dir_flag(*command, *flags);
  command->callback([flags, &exit_code] { exit_code = check_config(*flags); });
}

}  // namespace mango::cli
