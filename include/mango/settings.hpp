// Settings: Mango-JWT's MANGO_JWT_SETTINGS keys with the same meaning and defaults, plus the
// server's own. Read once at start-up (TOML file, then MANGO_JWT_<KEY> environment variables)
// and handed down as this plain struct.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mango/error.hpp"

namespace mango {

struct Settings {
  // --- Mango-JWT keys ---
  std::string db_host;                 // MongoDB host; an SRV host when db_port is absent
  std::optional<std::string> db_port;  // number or string, as in Django settings
  std::string db_name;
  std::string db_user;
  std::string db_pass;
  std::string db_uri;  // ours: a full MongoDB URI, overrides the db_* keys above
  std::string auth_collection = "user_profile";
  std::vector<std::string> fields;   // required at signup besides email and password
  std::string jwt_secret;            // empty: not configured (embedded mode generates one)
  double jwt_life_days = 7;          // token lifetime in days
  std::string secondary_username_field;  // empty: none ("email" is treated as none)

  // --- ours ---
  bool allow_weak_secret = false;    // accept "secret" or a key shorter than 32 bytes (warns)
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8000;
  std::string url_prefix = "mongo_auth/";  // normalised: no leading '/', one trailing '/'
  unsigned io_threads = 1;           // threads serving sockets
  unsigned worker_threads = 0;       // threads running handlers (store calls block them); 0 = auto
  unsigned hashing_threads = 0;      // password hashes at once, at most; 0 = cores
  std::filesystem::path data_dir = "mango-data";  // embedded store and generated secret
  std::string password_scheme = "pbkdf2_sha256";  // scheme for new hashes
  std::uint32_t pbkdf2_rounds = 600000;           // OWASP 2023 guidance for PBKDF2-HMAC-SHA256
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 8 * 1024;
  std::chrono::seconds idle_timeout{30};
  std::chrono::milliseconds db_timeout{5000};  // a request needing an unreachable DB gets 503 by then
  // How long a guarded request may reuse a user document read from the store (0: never). A
  // deleted user's token keeps working for at most this long.
  std::chrono::seconds user_cache_ttl{5};
  std::string log_level = "info";

  // --- security (RFC 8725 tokens, enumeration, brute force) ---
  std::chrono::seconds jwt_leeway{0};  // clock skew tolerated for exp/nbf/iat, 0..300 s
  bool jwt_require_exp = true;         // false: accept tokens without exp, as PyJWT does
  // One answer shape and proper status codes (401/409/400) instead of Mango-JWT's; login
  // failures never say whether the user exists.
  bool uniform_errors = false;
  // Failed-login throttling (0 disables a limit); see LoginThrottleOptions in mango/auth.hpp.
  unsigned login_throttle_pair_limit = 5;
  unsigned login_throttle_address_limit = 50;
  unsigned login_throttle_username_limit = 100;
  std::chrono::seconds login_throttle_window{900};
  std::chrono::seconds login_throttle_base_delay{1};
  std::chrono::seconds login_throttle_max_delay{900};
  // The client address comes from this header (e.g. "X-Forwarded-For") only when the socket's
  // peer is one of trusted_proxies; empty: always the socket's peer.
  std::string trusted_proxy_header;
  std::vector<std::string> trusted_proxies;

  // A database is configured: the MongoDB store is used, else the embedded SQLite store.
  bool uses_mongo() const { return !db_uri.empty() || !db_host.empty(); }
};

// Where settings come from. Environment variables override the file.
struct SettingsSources {
  std::optional<std::filesystem::path> config_file;
  std::map<std::string, std::string> environment;  // only MANGO_JWT_* entries are read
};

// Reads and validates settings. An unknown key, a wrong type or a bad value gives
// invalid_argument with one line naming the key and what is expected. Warnings (such as
// secondary_username_field = "email") are appended to `warnings`.
Result<Settings> load_settings(const SettingsSources& sources, std::vector<std::string>& warnings);

// The MANGO_JWT_* variables of this process's environment.
std::map<std::string, std::string> process_environment();

}  // namespace mango
