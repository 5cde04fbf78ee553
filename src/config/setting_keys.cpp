#include "setting_keys.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>
#include <sstream>
#include <system_error>

namespace mango::config {

namespace {

constexpr std::int64_t no_upper_limit = std::numeric_limits<std::int64_t>::max();
// A token lifetime beyond this is a mistake, and would push exp past what clients handle.
constexpr double max_jwt_life_days = 36500;

bool is_ascii_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

bool has_space_or_control(std::string_view text) {
  return std::ranges::any_of(text, [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return std::isspace(byte) != 0 || std::iscntrl(byte) != 0;
  });
}

std::string single_quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

// A MongoDB field name usable as a top-level document key that mango-jwt may store.
Result<void> check_field_name(const SettingValue& value, const std::string& name) {
  const std::string expectation =
      "field names that are non-empty, without '$' or '.', and not '_id' or 'id'";
  if (name.empty()) return std::unexpected(value.invalid(expectation, "an empty name"));
  if (name.find('$') != std::string::npos || name.find('.') != std::string::npos || name == "_id" ||
      name == "id" || name.find('\0') != std::string::npos)
    return std::unexpected(value.invalid(expectation, single_quoted(name)));
  return {};
}

// Decimal port text in min..65535 (db_port uses 1, listen allows 0 for "any free port").
bool parse_port(std::string_view text, std::uint16_t min, std::uint16_t& port) {
  unsigned number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size() || number < min ||
      number > 65535)
    return false;
  port = static_cast<std::uint16_t>(number);
  return true;
}

template <auto Member>
Result<void> apply_plain_string(Settings& settings, const SettingValue& value) {
  auto text = value.read_string();
  if (!text) return std::unexpected(text.error());
  settings.*Member = std::move(*text);
  return {};
}

template <auto Member, std::int64_t Min, std::int64_t Max>
Result<void> apply_integer(Settings& settings, const SettingValue& value) {
  auto number = value.read_integer(Min, Max);
  if (!number) return std::unexpected(number.error());
  using Target = std::remove_reference_t<decltype(settings.*Member)>;
  settings.*Member = static_cast<Target>(*number);
  return {};
}

template <auto Member, std::int64_t Max>
Result<void> apply_positive_duration(Settings& settings, const SettingValue& value) {
  auto number = value.read_integer(1, Max);
  if (!number) return std::unexpected(number.error());
  using Duration = std::remove_reference_t<decltype(settings.*Member)>;
  settings.*Member = Duration(*number);
  return {};
}

Result<void> apply_db_host(Settings& settings, const SettingValue& value) {
  auto host = value.read_string();
  if (!host) return std::unexpected(host.error());
  // The host goes into a mongodb:// URI; these characters would change its meaning.
  if (has_space_or_control(*host) || host->find_first_of("/@?#") != std::string::npos)
    return std::unexpected(value.invalid(
        "a host name (a comma-separated list is allowed) without spaces, '/', '@', '?' or '#'",
        single_quoted(*host)));
  settings.db_host = std::move(*host);
  return {};
}

Result<void> apply_db_port(Settings& settings, const SettingValue& value) {
  auto text = value.read_integer_or_string();
  if (!text) return std::unexpected(text.error());
  // An empty environment variable clears a port set in the file (SRV lookup instead).
  if (text->empty() && value.from_environment()) {
    settings.db_port.reset();
    return {};
  }
  std::uint16_t port = 0;
  if (!parse_port(*text, 1, port))
    return std::unexpected(value.invalid("a port number 1..65535", single_quoted(*text)));
  settings.db_port = std::to_string(port);
  return {};
}

Result<void> apply_db_name(Settings& settings, const SettingValue& value) {
  auto name = value.read_string();
  if (!name) return std::unexpected(name.error());
  // MongoDB's own rules for database names; empty means "not set" and is checked with db_host.
  if (!name->empty() && (name->size() > 63 || has_space_or_control(*name) ||
                         name->find_first_of("/\\.\"$") != std::string::npos))
    return std::unexpected(
        value.invalid("a MongoDB database name (at most 63 bytes, none of / \\ . \" $ or spaces)",
                      single_quoted(*name)));
  settings.db_name = std::move(*name);
  return {};
}

Result<void> apply_db_uri(Settings& settings, const SettingValue& value) {
  auto uri = value.read_string();
  if (!uri) return std::unexpected(uri.error());
  // The URI may hold a password, so it is never repeated in the message.
  if (!uri->empty() && !uri->starts_with("mongodb://") && !uri->starts_with("mongodb+srv://"))
    return std::unexpected(value.invalid("a URI starting with mongodb:// or mongodb+srv://"));
  settings.db_uri = std::move(*uri);
  return {};
}

Result<void> apply_auth_collection(Settings& settings, const SettingValue& value) {
  auto name = value.read_string();
  if (!name) return std::unexpected(name.error());
  if (name->empty() || name->find('$') != std::string::npos ||
      name->find('\0') != std::string::npos || name->starts_with("system."))
    return std::unexpected(
        value.invalid("a non-empty collection name without '$', not starting with 'system.'",
                      single_quoted(*name)));
  settings.auth_collection = std::move(*name);
  return {};
}

Result<void> apply_fields(Settings& settings, const SettingValue& value) {
  auto names = value.read_string_list();
  if (!names) return std::unexpected(names.error());
  std::vector<std::string> fields;
  for (const std::string& name : *names) {
    if (auto checked = check_field_name(value, name); !checked) return checked;
    // email and password are always required; naming them again (as Mango-JWT's README does) is
    // harmless.
    if (name == "email" || name == "password") continue;
    if (std::ranges::find(fields, name) == fields.end()) fields.push_back(name);
  }
  settings.fields = std::move(fields);
  return {};
}

Result<void> apply_jwt_life(Settings& settings, const SettingValue& value) {
  auto days = value.read_number();
  if (!days) return std::unexpected(days.error());
  if (*days <= 0 || *days > max_jwt_life_days) {
    std::ostringstream got;
    got << *days;
    return std::unexpected(
        value.invalid("a number of days greater than 0 and at most 36500", got.str()));
  }
  settings.jwt_life_days = *days;
  return {};
}

Result<void> apply_secondary_username_field(Settings& settings, const SettingValue& value) {
  auto name = value.read_string();
  if (!name) return std::unexpected(name.error());
  if (!name->empty()) {
    if (auto checked = check_field_name(value, *name); !checked) return checked;
    // A password hash cannot be a login name.
    if (*name == "password")
      return std::unexpected(value.invalid("a field other than 'password'", single_quoted(*name)));
  }
  // "email" is kept here; load_settings turns it into none and warns, once per load.
  settings.secondary_username_field = std::move(*name);
  return {};
}

Result<void> apply_allow_weak_secret(Settings& settings, const SettingValue& value) {
  auto allowed = value.read_bool();
  if (!allowed) return std::unexpected(allowed.error());
  settings.allow_weak_secret = *allowed;
  return {};
}

bool is_host_name(std::string_view host) {
  return !host.empty() && std::ranges::all_of(host, [](char c) {
    return is_ascii_alnum(c) || c == '.' || c == '-';
  });
}

bool is_ipv6_literal(std::string_view host) {
  // Hex digits and colons, an embedded IPv4 tail and a zone after '%' ("fe80::1%eth0").
  const std::size_t zone = host.find('%');
  const std::string_view address = host.substr(0, zone);
  if (address.find(':') == std::string_view::npos) return false;
  if (!std::ranges::all_of(address, [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
      }))
    return false;
  return zone == std::string_view::npos ||
         (zone + 1 < host.size() && std::ranges::all_of(host.substr(zone + 1), [](char c) {
            return is_ascii_alnum(c) || c == '_' || c == '-' || c == '.';
          }));
}

Result<void> apply_listen(Settings& settings, const SettingValue& value) {
  auto text = value.read_string();
  if (!text) return std::unexpected(text.error());
  const std::string expectation =
      "HOST:PORT with PORT 0..65535, an IPv6 host in brackets (\"127.0.0.1:8000\", \"[::1]:8000\")";
  const auto bad = [&] {
    return std::unexpected(value.invalid(expectation, single_quoted(*text)));
  };

  std::string_view host;
  std::string_view port_text;
  const std::string_view listen = *text;
  if (listen.starts_with('[')) {
    const std::size_t close = listen.find(']');
    if (close == std::string_view::npos || close + 1 >= listen.size() || listen[close + 1] != ':')
      return bad();
    host = listen.substr(1, close - 1);
    port_text = listen.substr(close + 2);
    if (!is_ipv6_literal(host)) return bad();
  } else {
    const std::size_t colon = listen.rfind(':');
    if (colon == std::string_view::npos) return bad();
    host = listen.substr(0, colon);
    port_text = listen.substr(colon + 1);
    if (!is_host_name(host)) return bad();  // also rejects an unbracketed IPv6 address
  }
  std::uint16_t port = 0;
  // Port 0 lets the system pick a free port (useful for tests).
  if (!parse_port(port_text, 0, port)) return bad();
  settings.listen_host = std::string(host);
  settings.listen_port = port;
  return {};
}

Result<void> apply_url_prefix(Settings& settings, const SettingValue& value) {
  auto text = value.read_string();
  if (!text) return std::unexpected(text.error());
  std::string_view path = *text;
  while (path.starts_with('/')) path.remove_prefix(1);
  while (path.ends_with('/')) path.remove_suffix(1);

  // Each segment: URL-safe characters, no empty, "." or ".." segments.
  std::string_view rest = path;
  while (!path.empty()) {
    const std::size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    const bool safe = std::ranges::all_of(segment, [](char c) {
      return is_ascii_alnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
    });
    if (segment.empty() || segment == "." || segment == ".." || !safe)
      return std::unexpected(
          value.invalid("a URL path of letters, digits, '-', '_', '.', '~' and '/' "
                        "(\"mongo_auth/\", or \"\" for the root)",
                        single_quoted(*text)));
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  settings.url_prefix = path.empty() ? std::string() : std::string(path) + "/";
  return {};
}

Result<void> apply_data_dir(Settings& settings, const SettingValue& value) {
  auto path = value.read_string();
  if (!path) return std::unexpected(path.error());
  if (path->empty() || path->find('\0') != std::string::npos)
    return std::unexpected(value.invalid("a non-empty directory path", "an empty path"));
  settings.data_dir = std::filesystem::path(*path);
  return {};
}

template <auto Member>
Result<void> apply_bool(Settings& settings, const SettingValue& value) {
  auto flag = value.read_bool();
  if (!flag) return std::unexpected(flag.error());
  settings.*Member = *flag;
  return {};
}

// An HTTP header name (an RFC 9110 token), or empty for none.
Result<void> apply_trusted_proxy_header(Settings& settings, const SettingValue& value) {
  auto name = value.read_string();
  if (!name) return std::unexpected(name.error());
  const bool token = std::ranges::all_of(*name, [](char c) {
    return is_ascii_alnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
  if (!token)
    return std::unexpected(
        value.invalid("an HTTP header name such as \"X-Forwarded-For\", or \"\" for none",
                      single_quoted(*name)));
  settings.trusted_proxy_header = std::move(*name);
  return {};
}

Result<void> apply_trusted_proxies(Settings& settings, const SettingValue& value) {
  auto addresses = value.read_string_list();
  if (!addresses) return std::unexpected(addresses.error());
  for (const std::string& address : *addresses) {
    unsigned char bytes[16];
    if (inet_pton(AF_INET, address.c_str(), bytes) != 1 &&
        inet_pton(AF_INET6, address.c_str(), bytes) != 1)
      return std::unexpected(value.invalid("IP addresses (\"10.0.0.1\", \"::1\")",
                                           single_quoted(address)));
  }
  settings.trusted_proxies = std::move(*addresses);
  return {};
}

template <auto Member, const auto& Choices>
Result<void> apply_choice(Settings& settings, const SettingValue& value) {
  auto text = value.read_string();
  if (!text) return std::unexpected(text.error());
  if (std::ranges::find(Choices, *text) == Choices.end()) {
    std::string listed;
    for (const std::string_view choice : Choices)
      listed += (listed.empty() ? "" : ", ") + std::string(choice);
    return std::unexpected(value.invalid("one of " + listed, single_quoted(*text)));
  }
  settings.*Member = std::move(*text);
  return {};
}

constexpr std::array<std::string_view, 4> password_schemes = {"pbkdf2_sha256", "pbkdf2_sha1",
                                                              "argon2", "bcrypt_sha256"};
constexpr std::array<std::string_view, 5> log_levels = {"trace", "debug", "info", "warn", "error"};

constexpr std::array keys = {
    // Mango-JWT's keys.
    SettingKey{"db_host", apply_db_host},
    SettingKey{"db_port", apply_db_port},
    SettingKey{"db_name", apply_db_name},
    SettingKey{"db_user", apply_plain_string<&Settings::db_user>},
    SettingKey{"db_pass", apply_plain_string<&Settings::db_pass>},
    SettingKey{"auth_collection", apply_auth_collection},
    SettingKey{"fields", apply_fields},
    SettingKey{"jwt_secret", apply_plain_string<&Settings::jwt_secret>},
    SettingKey{"jwt_life", apply_jwt_life},
    SettingKey{"secondary_username_field", apply_secondary_username_field},
    // Ours.
    SettingKey{"db_uri", apply_db_uri},
    SettingKey{"allow_weak_secret", apply_allow_weak_secret},
    SettingKey{"listen", apply_listen},
    SettingKey{"url_prefix", apply_url_prefix},
    SettingKey{"io_threads", apply_integer<&Settings::io_threads, 1, 256>},
    SettingKey{"worker_threads", apply_integer<&Settings::worker_threads, 0, 256>},
    SettingKey{"hashing_threads", apply_integer<&Settings::hashing_threads, 0, 256>},
    SettingKey{"data_dir", apply_data_dir},
    SettingKey{"password_scheme", apply_choice<&Settings::password_scheme, password_schemes>},
    SettingKey{"pbkdf2_rounds", apply_integer<&Settings::pbkdf2_rounds, 1000, 10000000>},
    SettingKey{"max_body_bytes", apply_integer<&Settings::max_body_bytes, 1, no_upper_limit>},
    SettingKey{"max_header_bytes", apply_integer<&Settings::max_header_bytes, 1, no_upper_limit>},
    // Bounded so that the chrono arithmetic on them cannot overflow.
    SettingKey{"idle_timeout_seconds",
               apply_positive_duration<&Settings::idle_timeout, 365LL * 24 * 3600>},
    SettingKey{"db_timeout_ms",
               apply_positive_duration<&Settings::db_timeout, 365LL * 24 * 3600 * 1000>},
    SettingKey{"user_cache_seconds", apply_integer<&Settings::user_cache_ttl, 0, 3600>},
    SettingKey{"log_level", apply_choice<&Settings::log_level, log_levels>},
    // Security.
    SettingKey{"jwt_leeway_seconds", apply_integer<&Settings::jwt_leeway, 0, 300>},
    SettingKey{"jwt_require_exp", apply_bool<&Settings::jwt_require_exp>},
    SettingKey{"uniform_errors", apply_bool<&Settings::uniform_errors>},
    SettingKey{"login_throttle_pair_limit",
               apply_integer<&Settings::login_throttle_pair_limit, 0, 1000000>},
    SettingKey{"login_throttle_address_limit",
               apply_integer<&Settings::login_throttle_address_limit, 0, 1000000>},
    SettingKey{"login_throttle_username_limit",
               apply_integer<&Settings::login_throttle_username_limit, 0, 1000000>},
    SettingKey{"login_throttle_window_seconds",
               apply_positive_duration<&Settings::login_throttle_window, 7LL * 24 * 3600>},
    SettingKey{"login_throttle_base_delay_seconds",
               apply_positive_duration<&Settings::login_throttle_base_delay, 24LL * 3600>},
    SettingKey{"login_throttle_max_delay_seconds",
               apply_positive_duration<&Settings::login_throttle_max_delay, 7LL * 24 * 3600>},
    SettingKey{"trusted_proxy_header", apply_trusted_proxy_header},
    SettingKey{"trusted_proxies", apply_trusted_proxies},
};

constexpr auto key_names = [] {
  std::array<std::string_view, keys.size()> names{};
  for (std::size_t i = 0; i < keys.size(); ++i) names[i] = keys[i].name;
  return names;
}();

}  // namespace

std::span<const SettingKey> setting_keys() { return keys; }

std::span<const std::string_view> setting_key_names() { return key_names; }

const SettingKey* find_setting_key(std::string_view name) {
  const auto found = std::ranges::find(keys, name, &SettingKey::name);
  return found == keys.end() ? nullptr : &*found;
}

std::string environment_variable_for(std::string_view key) {
  std::string variable(environment_prefix);
  for (const char c : key)
    variable += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return variable;
}

}  // namespace mango::config
