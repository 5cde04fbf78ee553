// load_settings against real TOML files in a temporary directory and explicit environments.
#include "mango/settings.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace mango {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

using Environment = std::map<std::string, std::string>;

class SettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "mango-config-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    directory_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::filesystem::path write_config(const std::string& text,
                                     const std::string& name = "mango.toml") {
    const auto path = directory_ / name;
    std::ofstream(path) << text;
    return path;
  }

  Result<Settings> load(const std::optional<std::string>& toml,
                        const Environment& environment = {}) {
    SettingsSources sources;
    if (toml) sources.config_file = write_config(*toml);
    sources.environment = environment;
    warnings_.clear();
    return load_settings(sources, warnings_);
  }

  // The error message of a load that must fail (empty and a test failure if it succeeded).
  std::string error_of(const std::optional<std::string>& toml,
                       const Environment& environment = {}) {
    auto loaded = load(toml, environment);
    EXPECT_FALSE(loaded.has_value()) << "expected an error";
    if (loaded) return {};
    EXPECT_EQ(loaded.error().code, ErrorCode::invalid_argument);
    EXPECT_EQ(loaded.error().message.find('\n'), std::string::npos) << "one line";
    return loaded.error().message;
  }

  std::filesystem::path directory_;
  std::vector<std::string> warnings_;
};

const std::string database_keys = "db_name = \"app\"\ndb_user = \"alice\"\ndb_pass = \"p@ss\"\n";

TEST_F(SettingsTest, NoSourcesGiveMangoJwtDefaults) {
  auto settings = load(std::nullopt);
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_EQ(settings->auth_collection, "user_profile");
  EXPECT_THAT(settings->fields, IsEmpty());
  EXPECT_EQ(settings->jwt_secret, "");
  EXPECT_EQ(settings->jwt_life_days, 7);
  EXPECT_EQ(settings->secondary_username_field, "");
  EXPECT_FALSE(settings->uses_mongo());
  EXPECT_EQ(settings->listen_host, "127.0.0.1");
  EXPECT_EQ(settings->listen_port, 8000);
  EXPECT_EQ(settings->url_prefix, "mongo_auth/");
  EXPECT_EQ(settings->password_scheme, "pbkdf2_sha256");
  EXPECT_EQ(settings->log_level, "info");
  EXPECT_THAT(warnings_, IsEmpty());
}

TEST_F(SettingsTest, AnEmptyFileGivesDefaults) {
  auto settings = load("# nothing set\n");
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_EQ(settings->auth_collection, "user_profile");
}

// One key, as a TOML value and as environment text, and what it must produce.
struct KeyCase {
  std::string key;
  std::string toml_value;
  std::string environment_value;
  std::function<void(const Settings&)> check;
};

std::vector<KeyCase> key_cases() {
  return {
      {"db_port", "27018", "27018", [](const Settings& s) { EXPECT_EQ(s.db_port, "27018"); }},
      {"db_name", "\"app\"", "app", [](const Settings& s) { EXPECT_EQ(s.db_name, "app"); }},
      {"db_user", "\"alice\"", "alice", [](const Settings& s) { EXPECT_EQ(s.db_user, "alice"); }},
      {"db_pass", "\"p@ss:w/rd\"", "p@ss:w/rd",
       [](const Settings& s) { EXPECT_EQ(s.db_pass, "p@ss:w/rd"); }},
      {"db_uri", "\"mongodb://localhost:27017/app\"", "mongodb://localhost:27017/app",
       [](const Settings& s) {
         EXPECT_EQ(s.db_uri, "mongodb://localhost:27017/app");
         EXPECT_TRUE(s.uses_mongo());
       }},
      {"auth_collection", "\"members\"", "members",
       [](const Settings& s) { EXPECT_EQ(s.auth_collection, "members"); }},
      {"fields", "[\"first_name\", \"mobile\"]", "first_name,mobile",
       [](const Settings& s) { EXPECT_THAT(s.fields, ElementsAre("first_name", "mobile")); }},
      {"jwt_secret", "\"a-long-secret-for-signing-tokens-0123456789\"",
       "a-long-secret-for-signing-tokens-0123456789",
       [](const Settings& s) {
         EXPECT_EQ(s.jwt_secret, "a-long-secret-for-signing-tokens-0123456789");
       }},
      {"jwt_life", "1.5", "1.5", [](const Settings& s) { EXPECT_DOUBLE_EQ(s.jwt_life_days, 1.5); }},
      {"secondary_username_field", "\"mobile\"", "mobile",
       [](const Settings& s) { EXPECT_EQ(s.secondary_username_field, "mobile"); }},
      {"allow_weak_secret", "true", "true",
       [](const Settings& s) { EXPECT_TRUE(s.allow_weak_secret); }},
      {"listen", "\"0.0.0.0:9000\"", "0.0.0.0:9000",
       [](const Settings& s) {
         EXPECT_EQ(s.listen_host, "0.0.0.0");
         EXPECT_EQ(s.listen_port, 9000);
       }},
      {"url_prefix", "\"/api/auth\"", "/api/auth",
       [](const Settings& s) { EXPECT_EQ(s.url_prefix, "api/auth/"); }},
      {"io_threads", "4", "4", [](const Settings& s) { EXPECT_EQ(s.io_threads, 4u); }},
      {"worker_threads", "16", "16", [](const Settings& s) { EXPECT_EQ(s.worker_threads, 16u); }},
      {"hashing_threads", "3", "3", [](const Settings& s) { EXPECT_EQ(s.hashing_threads, 3u); }},
      {"data_dir", "\"/var/lib/mango\"", "/var/lib/mango",
       [](const Settings& s) { EXPECT_EQ(s.data_dir, std::filesystem::path("/var/lib/mango")); }},
      {"password_scheme", "\"argon2\"", "argon2",
       [](const Settings& s) { EXPECT_EQ(s.password_scheme, "argon2"); }},
      {"pbkdf2_rounds", "29000", "29000",
       [](const Settings& s) { EXPECT_EQ(s.pbkdf2_rounds, 29000u); }},
      {"max_body_bytes", "1048576", "1048576",
       [](const Settings& s) { EXPECT_EQ(s.max_body_bytes, 1048576u); }},
      {"max_header_bytes", "16384", "16384",
       [](const Settings& s) { EXPECT_EQ(s.max_header_bytes, 16384u); }},
      {"idle_timeout_seconds", "90", "90",
       [](const Settings& s) { EXPECT_EQ(s.idle_timeout, std::chrono::seconds(90)); }},
      {"db_timeout_ms", "250", "250",
       [](const Settings& s) { EXPECT_EQ(s.db_timeout, std::chrono::milliseconds(250)); }},
      {"user_cache_seconds", "0", "0",
       [](const Settings& s) { EXPECT_EQ(s.user_cache_ttl, std::chrono::seconds(0)); }},
      {"log_level", "\"debug\"", "debug",
       [](const Settings& s) { EXPECT_EQ(s.log_level, "debug"); }},
      {"jwt_leeway_seconds", "30", "30",
       [](const Settings& s) { EXPECT_EQ(s.jwt_leeway, std::chrono::seconds(30)); }},
      {"jwt_require_exp", "false", "false",
       [](const Settings& s) { EXPECT_FALSE(s.jwt_require_exp); }},
      {"uniform_errors", "true", "true", [](const Settings& s) { EXPECT_TRUE(s.uniform_errors); }},
      {"login_throttle_pair_limit", "0", "0",
       [](const Settings& s) { EXPECT_EQ(s.login_throttle_pair_limit, 0u); }},
      {"login_throttle_address_limit", "20", "20",
       [](const Settings& s) { EXPECT_EQ(s.login_throttle_address_limit, 20u); }},
      {"login_throttle_username_limit", "500", "500",
       [](const Settings& s) { EXPECT_EQ(s.login_throttle_username_limit, 500u); }},
      {"login_throttle_window_seconds", "60", "60",
       [](const Settings& s) { EXPECT_EQ(s.login_throttle_window, std::chrono::seconds(60)); }},
      {"login_throttle_base_delay_seconds", "2", "2",
       [](const Settings& s) { EXPECT_EQ(s.login_throttle_base_delay, std::chrono::seconds(2)); }},
      {"login_throttle_max_delay_seconds", "120", "120",
       [](const Settings& s) { EXPECT_EQ(s.login_throttle_max_delay, std::chrono::seconds(120)); }},
      {"trusted_proxy_header", "\"X-Forwarded-For\"", "X-Forwarded-For",
       [](const Settings& s) { EXPECT_EQ(s.trusted_proxy_header, "X-Forwarded-For"); }},
      {"trusted_proxies", "[\"10.0.0.1\", \"::1\"]", "10.0.0.1,::1",
       [](const Settings& s) { EXPECT_THAT(s.trusted_proxies, ElementsAre("10.0.0.1", "::1")); }},
  };
}

TEST_F(SettingsTest, EveryKeyLoadsFromTheFile) {
  for (const KeyCase& key_case : key_cases()) {
    SCOPED_TRACE(key_case.key);
    auto settings = load(key_case.key + " = " + key_case.toml_value + "\n");
    ASSERT_TRUE(settings) << settings.error().message;
    key_case.check(*settings);
  }
}

TEST_F(SettingsTest, EveryKeyLoadsFromItsEnvironmentVariable) {
  for (const KeyCase& key_case : key_cases()) {
    SCOPED_TRACE(key_case.key);
    std::string variable = "MANGO_JWT_";
    for (char c : key_case.key)
      variable += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto settings = load(std::nullopt, {{variable, key_case.environment_value}});
    ASSERT_TRUE(settings) << settings.error().message;
    key_case.check(*settings);
  }
}

TEST_F(SettingsTest, DbHostLoadsFromTheFileAndTheEnvironment) {
  auto from_file = load("db_host = \"cluster0.example.net\"\n" + database_keys);
  ASSERT_TRUE(from_file) << from_file.error().message;
  EXPECT_EQ(from_file->db_host, "cluster0.example.net");
  EXPECT_FALSE(from_file->db_port.has_value());
  EXPECT_TRUE(from_file->uses_mongo());

  auto from_environment = load(std::nullopt, {{"MANGO_JWT_DB_HOST", "localhost"},
                                              {"MANGO_JWT_DB_NAME", "app"},
                                              {"MANGO_JWT_DB_USER", "alice"},
                                              {"MANGO_JWT_DB_PASS", "secret"}});
  ASSERT_TRUE(from_environment) << from_environment.error().message;
  EXPECT_EQ(from_environment->db_host, "localhost");
  EXPECT_EQ(from_environment->db_pass, "secret");
}

TEST_F(SettingsTest, EnvironmentOverridesTheFile) {
  auto settings = load(
      "jwt_secret = \"from-file\"\nfields = [\"first_name\"]\nio_threads = 2\nlisten = "
      "\"127.0.0.1:7000\"\n",
      {{"MANGO_JWT_JWT_SECRET", "from-environment"},
       {"MANGO_JWT_FIELDS", "mobile"},
       {"MANGO_JWT_LISTEN", "[::1]:7001"}});
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_EQ(settings->jwt_secret, "from-environment");
  EXPECT_THAT(settings->fields, ElementsAre("mobile"));
  EXPECT_EQ(settings->io_threads, 2u);  // not overridden
  EXPECT_EQ(settings->listen_host, "::1");
  EXPECT_EQ(settings->listen_port, 7001);
}

TEST_F(SettingsTest, VariablesWithoutThePrefixAndTheConfigPathVariableAreIgnored) {
  auto settings =
      load(std::nullopt,
           {{"PATH", "/usr/bin"}, {"JWT_SECRET", "x"}, {"MANGO_JWT_CONFIG", "/etc/mango.toml"}});
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_EQ(settings->jwt_secret, "");
}

// --- db_port ---

TEST_F(SettingsTest, DbPortAcceptsANumberOrAString) {
  auto as_number = load("db_port = 27017\n");
  ASSERT_TRUE(as_number) << as_number.error().message;
  EXPECT_EQ(as_number->db_port, "27017");
  auto as_string = load("db_port = \"27017\"\n");
  ASSERT_TRUE(as_string) << as_string.error().message;
  EXPECT_EQ(as_string->db_port, "27017");
}

TEST_F(SettingsTest, AnEmptyDbPortVariableClearsThePortFromTheFile) {
  auto settings = load("db_host = \"cluster0.example.net\"\ndb_port = 27017\n" + database_keys,
                       {{"MANGO_JWT_DB_PORT", ""}});
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_FALSE(settings->db_port.has_value());
}

TEST_F(SettingsTest, DbPortOutOfRangeOrNotANumberIsRejected) {
  EXPECT_THAT(error_of("db_port = 0\n"),
              AllOf(HasSubstr("db_port"), HasSubstr("mango.toml"), HasSubstr("1..65535")));
  EXPECT_THAT(error_of("db_port = 70000\n"), AllOf(HasSubstr("db_port"), HasSubstr("1..65535")));
  EXPECT_THAT(error_of("db_port = \"mongo\"\n"), AllOf(HasSubstr("db_port"), HasSubstr("'mongo'")));
  EXPECT_THAT(error_of("db_port = true\n"), AllOf(HasSubstr("db_port"), HasSubstr("a boolean")));
  EXPECT_THAT(error_of(std::nullopt, {{"MANGO_JWT_DB_PORT", "65536"}}),
              AllOf(HasSubstr("db_port"), HasSubstr("MANGO_JWT_DB_PORT"), HasSubstr("1..65535")));
}

// --- fields ---

TEST_F(SettingsTest, FieldsAcceptACommaSeparatedListOrAJsonArrayFromTheEnvironment) {
  auto comma_separated = load(std::nullopt, {{"MANGO_JWT_FIELDS", " first_name , mobile "}});
  ASSERT_TRUE(comma_separated) << comma_separated.error().message;
  EXPECT_THAT(comma_separated->fields, ElementsAre("first_name", "mobile"));

  auto json_array = load(std::nullopt, {{"MANGO_JWT_FIELDS", R"(["first_name", "mobile"])"}});
  ASSERT_TRUE(json_array) << json_array.error().message;
  EXPECT_THAT(json_array->fields, ElementsAre("first_name", "mobile"));

  auto empty = load("fields = [\"mobile\"]\n", {{"MANGO_JWT_FIELDS", ""}});
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_THAT(empty->fields, IsEmpty());

  auto empty_array = load(std::nullopt, {{"MANGO_JWT_FIELDS", "[]"}});
  ASSERT_TRUE(empty_array) << empty_array.error().message;
  EXPECT_THAT(empty_array->fields, IsEmpty());
}

TEST_F(SettingsTest, FieldsDropEmailPasswordAndDuplicates) {
  auto settings =
      load("fields = [\"email\", \"password\", \"mobile\", \"first_name\", \"mobile\"]\n");
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_THAT(settings->fields, ElementsAre("mobile", "first_name"));
}

TEST_F(SettingsTest, FieldsMustBeUsableDocumentKeys) {
  for (const std::string bad : {"\"$set\"", "\"address.city\"", "\"_id\"", "\"id\"", "\"\""}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(error_of("fields = [\"mobile\", " + bad + "]\n"),
                AllOf(HasSubstr("fields"), HasSubstr("mango.toml")));
  }
  EXPECT_THAT(error_of("fields = [\"mobile\", 3]\n"),
              AllOf(HasSubstr("fields"), HasSubstr("non-string")));
  EXPECT_THAT(error_of("fields = \"first_name,mobile\"\n"),
              AllOf(HasSubstr("fields"), HasSubstr("array of strings")));
  EXPECT_THAT(error_of(std::nullopt, {{"MANGO_JWT_FIELDS", "mobile,,first_name"}}),
              AllOf(HasSubstr("fields"), HasSubstr("MANGO_JWT_FIELDS"), HasSubstr("empty")));
  EXPECT_THAT(error_of(std::nullopt, {{"MANGO_JWT_FIELDS", R"(["mobile", )"}}),
              AllOf(HasSubstr("fields"), HasSubstr("MANGO_JWT_FIELDS"), HasSubstr("JSON")));
  EXPECT_THAT(error_of(std::nullopt, {{"MANGO_JWT_FIELDS", R"(["mobile", 1])"}}),
              AllOf(HasSubstr("fields"), HasSubstr("non-string")));
  EXPECT_THAT(error_of(std::nullopt, {{"MANGO_JWT_FIELDS", "mobile,$where"}}),
              HasSubstr("'$where'"));
}

// --- secondary_username_field ---

TEST_F(SettingsTest, SecondaryUsernameFieldEmailIsTreatedAsNoneWithAWarning) {
  auto settings = load("secondary_username_field = \"email\"\n");
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_EQ(settings->secondary_username_field, "");
  EXPECT_THAT(
      warnings_,
      ElementsAre("secondary_username_field = \"email\" is treated as none, as Mango-JWT does"));

  auto from_environment = load(std::nullopt, {{"MANGO_JWT_SECONDARY_USERNAME_FIELD", "email"}});
  ASSERT_TRUE(from_environment) << from_environment.error().message;
  EXPECT_EQ(from_environment->secondary_username_field, "");
  EXPECT_EQ(warnings_.size(), 1u);
}

TEST_F(SettingsTest, SecondaryUsernameFieldMustBeAUsableField) {
  for (const std::string bad : {"$x", "a.b", "_id", "id", "password"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(error_of("secondary_username_field = \"" + bad + "\"\n"),
                HasSubstr("secondary_username_field"));
  }
}

// --- url_prefix ---

TEST_F(SettingsTest, UrlPrefixIsNormalised) {
  const std::pair<std::string, std::string> cases[] = {
      {"mongo_auth/", "mongo_auth/"},
      {"mongo_auth", "mongo_auth/"},
      {"/mongo_auth", "mongo_auth/"},
      {"//api/v1//", "api/v1/"},
      {"", ""},
      {"/", ""},
      {"///", ""},
  };
  for (const auto& [given, normalised] : cases) {
    SCOPED_TRACE(given);
    auto settings = load("url_prefix = \"" + given + "\"\n");
    ASSERT_TRUE(settings) << settings.error().message;
    EXPECT_EQ(settings->url_prefix, normalised);
  }
}

TEST_F(SettingsTest, UrlPrefixRejectsUnsafePaths) {
  for (const std::string bad : {"api v1", "api//v1", "../admin", "api?x=1", "a#b"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(error_of(std::nullopt, {{"MANGO_JWT_URL_PREFIX", bad}}),
                AllOf(HasSubstr("url_prefix"), HasSubstr("MANGO_JWT_URL_PREFIX")));
  }
}

// --- listen ---

TEST_F(SettingsTest, ListenAcceptsHostNamesIpv4AndBracketedIpv6) {
  const std::tuple<std::string, std::string, int> cases[] = {
      {"localhost:8080", "localhost", 8080},
      {"10.0.0.5:80", "10.0.0.5", 80},
      {"[::1]:8000", "::1", 8000},
      {"[::]:0", "::", 0},
      {"[fe80::1%eth0]:443", "fe80::1%eth0", 443},
  };
  for (const auto& [given, host, port] : cases) {
    SCOPED_TRACE(given);
    auto settings = load(std::nullopt, {{"MANGO_JWT_LISTEN", given}});
    ASSERT_TRUE(settings) << settings.error().message;
    EXPECT_EQ(settings->listen_host, host);
    EXPECT_EQ(settings->listen_port, port);
  }
}

TEST_F(SettingsTest, ListenRejectsBadSyntax) {
  for (const std::string bad : {"localhost", "::1:8000", "[::1]8000", "[::1]:", "host:99999",
                                "host:", ":8000", "host:80x", "[localhost]:80", "ho st:80"}) {
    SCOPED_TRACE(bad);
    EXPECT_THAT(error_of("listen = \"" + bad + "\"\n"),
                AllOf(HasSubstr("listen"), HasSubstr("HOST:PORT")));
  }
}

// --- numbers, booleans and choices ---

TEST_F(SettingsTest, IntegersOutOfRangeAreRejectedNamingTheKey) {
  const std::pair<std::string, std::string> cases[] = {
      {"io_threads", "0"},      {"io_threads", "257"},     {"worker_threads", "257"}, {"hashing_threads", "257"},
      {"worker_threads", "-1"}, {"pbkdf2_rounds", "999"},  {"pbkdf2_rounds", "10000001"},
      {"max_body_bytes", "0"},  {"max_header_bytes", "0"}, {"idle_timeout_seconds", "0"},
      {"db_timeout_ms", "0"},   {"db_timeout_ms", "-5"},
      {"jwt_leeway_seconds", "-1"}, {"jwt_leeway_seconds", "301"},
      {"login_throttle_pair_limit", "-1"}, {"login_throttle_window_seconds", "0"},
      {"login_throttle_base_delay_seconds", "0"}, {"login_throttle_max_delay_seconds", "0"},
  };
  for (const auto& [key, value] : cases) {
    SCOPED_TRACE(key + " = " + value);
    EXPECT_THAT(error_of(key + " = " + value + "\n"),
                AllOf(HasSubstr(key), HasSubstr("mango.toml"), HasSubstr(value)));
  }
}

TEST_F(SettingsTest, ThreadCountsAcceptTheirBounds) {
  auto settings = load("io_threads = 256\nworker_threads = 0\npbkdf2_rounds = 1000\n");
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_EQ(settings->io_threads, 256u);
  EXPECT_EQ(settings->worker_threads, 0u);
  EXPECT_EQ(settings->pbkdf2_rounds, 1000u);
}

TEST_F(SettingsTest, JwtLifeAcceptsIntegersAndFloatsAboveZero) {
  auto whole_days = load("jwt_life = 30\n");
  ASSERT_TRUE(whole_days) << whole_days.error().message;
  EXPECT_EQ(whole_days->jwt_life_days, 30);
  EXPECT_THAT(error_of("jwt_life = 0\n"),
              AllOf(HasSubstr("jwt_life"), HasSubstr("greater than 0")));
  EXPECT_THAT(error_of("jwt_life = -1.5\n"), HasSubstr("jwt_life"));
  EXPECT_THAT(error_of("jwt_life = nan\n"), HasSubstr("jwt_life"));
  EXPECT_THAT(error_of("jwt_life = \"7\"\n"), AllOf(HasSubstr("jwt_life"), HasSubstr("a string")));
  EXPECT_THAT(error_of(std::nullopt, {{"MANGO_JWT_JWT_LIFE", "seven"}}),
              AllOf(HasSubstr("jwt_life"), HasSubstr("MANGO_JWT_JWT_LIFE"), HasSubstr("'seven'")));
}

TEST_F(SettingsTest, WrongTomlTypesAreRejectedNamingTheKeyAndTheType) {
  EXPECT_THAT(error_of("io_threads = \"4\"\n"),
              AllOf(HasSubstr("io_threads"), HasSubstr("got a string")));
  EXPECT_THAT(error_of("io_threads = 4.0\n"),
              AllOf(HasSubstr("io_threads"), HasSubstr("got a float")));
  EXPECT_THAT(error_of("allow_weak_secret = \"yes\"\n"),
              AllOf(HasSubstr("allow_weak_secret"), HasSubstr("true or false")));
  EXPECT_THAT(error_of("db_host = [\"a\"]\n"),
              AllOf(HasSubstr("db_host"), HasSubstr("got an array")));
  EXPECT_THAT(error_of("log_level = 3\n"), AllOf(HasSubstr("log_level"), HasSubstr("a string")));
}

TEST_F(SettingsTest, BooleansFromTheEnvironmentAcceptCommonSpellings) {
  for (const std::string yes : {"true", "TRUE", "1", "yes", "on"}) {
    auto settings = load(std::nullopt, {{"MANGO_JWT_ALLOW_WEAK_SECRET", yes}});
    ASSERT_TRUE(settings) << settings.error().message;
    EXPECT_TRUE(settings->allow_weak_secret) << yes;
  }
  auto no = load("allow_weak_secret = true\n", {{"MANGO_JWT_ALLOW_WEAK_SECRET", "off"}});
  ASSERT_TRUE(no) << no.error().message;
  EXPECT_FALSE(no->allow_weak_secret);
  EXPECT_THAT(error_of(std::nullopt, {{"MANGO_JWT_ALLOW_WEAK_SECRET", "maybe"}}),
              AllOf(HasSubstr("allow_weak_secret"), HasSubstr("MANGO_JWT_ALLOW_WEAK_SECRET")));
}

TEST_F(SettingsTest, ChoicesListTheAllowedValues) {
  EXPECT_THAT(error_of("password_scheme = \"md5\"\n"),
              AllOf(HasSubstr("password_scheme"),
                    HasSubstr("pbkdf2_sha256, pbkdf2_sha1, argon2, bcrypt_sha256")));
  EXPECT_THAT(error_of(std::nullopt, {{"MANGO_JWT_LOG_LEVEL", "verbose"}}),
              AllOf(HasSubstr("log_level"), HasSubstr("MANGO_JWT_LOG_LEVEL"),
                    HasSubstr("trace, debug, info, warn, error")));
}

TEST_F(SettingsTest, EnvironmentIntegersMustBeWholeNumbers) {
  EXPECT_THAT(
      error_of(std::nullopt, {{"MANGO_JWT_IO_THREADS", "2.5"}}),
      AllOf(HasSubstr("io_threads"), HasSubstr("MANGO_JWT_IO_THREADS"), HasSubstr("'2.5'")));
  EXPECT_THAT(error_of(std::nullopt, {{"MANGO_JWT_MAX_BODY_BYTES", ""}}),
              HasSubstr("max_body_bytes"));
}

// --- the other string keys ---

TEST_F(SettingsTest, DbUriMustBeAMongoUriAndIsNotEchoed) {
  const std::string message = error_of("db_uri = \"postgres://user:hunter2@db/app\"\n");
  EXPECT_THAT(message,
              AllOf(HasSubstr("db_uri"), HasSubstr("mongodb://"), Not(HasSubstr("hunter2"))));
}

TEST_F(SettingsTest, DbHostAndDbNameRejectCharactersThatBreakTheUri) {
  EXPECT_THAT(error_of("db_host = \"user@host\"\n"), HasSubstr("db_host"));
  EXPECT_THAT(error_of("db_name = \"my.db\"\n"), HasSubstr("db_name"));
}

TEST_F(SettingsTest, AuthCollectionAndDataDirMustNotBeEmpty) {
  EXPECT_THAT(error_of("auth_collection = \"\"\n"), HasSubstr("auth_collection"));
  EXPECT_THAT(error_of("auth_collection = \"system.users\"\n"), HasSubstr("auth_collection"));
  EXPECT_THAT(error_of(std::nullopt, {{"MANGO_JWT_DATA_DIR", ""}}),
              AllOf(HasSubstr("data_dir"), HasSubstr("MANGO_JWT_DATA_DIR")));
}

TEST_F(SettingsTest, AWrongTypeForTheSecretDoesNotEchoIt) {
  EXPECT_THAT(error_of("jwt_secret = 1234567\n"),
              AllOf(HasSubstr("jwt_secret"), Not(HasSubstr("1234567"))));
}

// --- unknown keys ---

TEST_F(SettingsTest, AnUnknownKeyInTheFileSuggestsTheClosestKnownKey) {
  EXPECT_EQ(error_of("jwt_secrt = \"x\"\n"), "unknown key 'jwt_secrt' in " +
                                                 (directory_ / "mango.toml").string() +
                                                 "; did you mean 'jwt_secret'?");
  EXPECT_THAT(
      error_of("mongo_connection_string = \"x\"\n"),
      AllOf(HasSubstr("unknown key 'mongo_connection_string'"), Not(HasSubstr("did you mean"))));
}

TEST_F(SettingsTest, ATableInTheFileIsAnUnknownKey) {
  EXPECT_THAT(error_of("[server]\nlisten = \"127.0.0.1:8000\"\n"),
              HasSubstr("unknown key 'server'"));
}

TEST_F(SettingsTest, TheFirstProblemInFileOrderIsReported) {
  // Alphabetically io_threads comes first; in the file zzz_unknown does.
  EXPECT_THAT(error_of("zzz_unknown = 1\nio_threads = 0\n"), HasSubstr("zzz_unknown"));
}

TEST_F(SettingsTest, AnUnknownEnvironmentVariableIsAnErrorWithASuggestion) {
  EXPECT_EQ(error_of(std::nullopt, {{"MANGO_JWT_JWT_SECRT", "x"}}),
            "unknown environment variable MANGO_JWT_JWT_SECRT; did you mean MANGO_JWT_JWT_SECRET?");
  EXPECT_THAT(
      error_of(std::nullopt, {{"MANGO_JWT_jwt_secret", "x"}}),
      AllOf(HasSubstr("MANGO_JWT_jwt_secret"), HasSubstr("did you mean MANGO_JWT_JWT_SECRET?")));
  EXPECT_THAT(
      error_of(std::nullopt, {{"MANGO_JWT_SOMETHING_ELSE_ENTIRELY", "x"}}),
      AllOf(HasSubstr("MANGO_JWT_SOMETHING_ELSE_ENTIRELY"), Not(HasSubstr("did you mean"))));
}

// --- the file itself ---

TEST_F(SettingsTest, ATomlSyntaxErrorGivesTheLineNumber) {
  const std::string message = error_of("jwt_life = 7\nlisten = \n");
  EXPECT_THAT(message, AllOf(HasSubstr("mango.toml"), HasSubstr("line 2"), HasSubstr("TOML")));
}

TEST_F(SettingsTest, AMissingConfigFileIsAnError) {
  SettingsSources sources;
  sources.config_file = directory_ / "absent.toml";
  auto loaded = load_settings(sources, warnings_);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, ErrorCode::invalid_argument);
  EXPECT_THAT(loaded.error().message, AllOf(HasSubstr("absent.toml"), HasSubstr("does not exist")));
}

TEST_F(SettingsTest, ADirectoryIsNotAConfigFile) {
  SettingsSources sources;
  sources.config_file = directory_;
  auto loaded = load_settings(sources, warnings_);
  ASSERT_FALSE(loaded);
  EXPECT_THAT(loaded.error().message, HasSubstr("not a regular file"));
}

TEST_F(SettingsTest, ErrorsNameTheKeyInTheErrorField) {
  auto loaded = load("db_port = 0\n");
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().field, "db_port");
}

// --- Mango-JWT's database rules ---

TEST_F(SettingsTest, DbHostRequiresDbNameDbUserAndDbPass) {
  EXPECT_THAT(error_of("db_host = \"localhost\"\ndb_user = \"u\"\ndb_pass = \"p\"\n"),
              AllOf(HasSubstr("db_name"), HasSubstr("db_host"), HasSubstr("db_uri")));
  EXPECT_THAT(error_of("db_host = \"localhost\"\ndb_name = \"app\"\ndb_pass = \"p\"\n"),
              HasSubstr("db_user is missing"));
  EXPECT_THAT(error_of("db_host = \"localhost\"\ndb_name = \"app\"\ndb_user = \"u\"\n"),
              HasSubstr("db_pass is missing"));
  EXPECT_THAT(error_of(std::nullopt, {{"MANGO_JWT_DB_HOST", "localhost"}}),
              AllOf(HasSubstr("db_name"), HasSubstr("MANGO_JWT_DB_HOST")));
}

TEST_F(SettingsTest, DbUriReplacesTheDbKeysWithAWarning) {
  auto settings = load("db_uri = \"mongodb://localhost/app\"\ndb_host = \"localhost\"\n");
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_TRUE(settings->uses_mongo());
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_THAT(warnings_[0], AllOf(HasSubstr("db_uri"), HasSubstr("db_host")));
}

TEST_F(SettingsTest, DbPortWithoutDbHostIsIgnoredWithAWarning) {
  auto settings = load("db_port = 27017\n");
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_FALSE(settings->uses_mongo());
  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_THAT(warnings_[0], HasSubstr("db_port"));
}

TEST_F(SettingsTest, AFullMangoJwtStyleFileLoads) {
  auto settings = load(R"(# The keys of Mango-JWT's MANGO_JWT_SETTINGS
db_host = "cluster0.abcde.mongodb.net"
db_port = "27017"
db_name = "app"
db_user = "alice"
db_pass = "p@ss"
auth_collection = "users"
fields = ["email", "password", "first_name"]
jwt_secret = "0123456789abcdef0123456789abcdef"
jwt_life = 7
secondary_username_field = "mobile"
)");
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_EQ(settings->db_host, "cluster0.abcde.mongodb.net");
  EXPECT_EQ(settings->db_port, "27017");
  EXPECT_THAT(settings->fields, ElementsAre("first_name"));
  EXPECT_EQ(settings->secondary_username_field, "mobile");
  EXPECT_THAT(warnings_, IsEmpty());
}

// --- process_environment ---

TEST(ProcessEnvironment, ReturnsOnlyTheMangoJwtVariables) {
  ASSERT_EQ(setenv("MANGO_JWT_PROCESS_ENVIRONMENT_TEST", "a=b", 1), 0);
  ASSERT_EQ(setenv("NOT_MANGO_PROCESS_ENVIRONMENT_TEST", "x", 1), 0);
  const auto variables = process_environment();
  unsetenv("MANGO_JWT_PROCESS_ENVIRONMENT_TEST");
  unsetenv("NOT_MANGO_PROCESS_ENVIRONMENT_TEST");
  ASSERT_TRUE(variables.contains("MANGO_JWT_PROCESS_ENVIRONMENT_TEST"));
  EXPECT_EQ(variables.at("MANGO_JWT_PROCESS_ENVIRONMENT_TEST"), "a=b");
  for (const auto& [name, value] : variables) EXPECT_TRUE(name.starts_with("MANGO_JWT_")) << name;
}

// --- docs/configuration.md ---

// The ```toml blocks of the configuration reference.
std::vector<std::string> documented_toml_examples() {
  std::ifstream reference(std::filesystem::path(MANGO_DOCS_DIR) / "configuration.md");
  std::vector<std::string> examples;
  std::string line;
  std::optional<std::string> current;
  while (std::getline(reference, line)) {
    if (!current && line == "```toml") {
      current.emplace();
    } else if (current && line == "```") {
      examples.push_back(*current);
      current.reset();
    } else if (current) {
      *current += line + "\n";
    }
  }
  return examples;
}

TEST_F(SettingsTest, TheDocumentedExamplesLoadWithoutWarnings) {
  const auto examples = documented_toml_examples();
  ASSERT_GE(examples.size(), 3u);
  for (const std::string& example : examples) {
    SCOPED_TRACE(example);
    auto settings = load(example);
    ASSERT_TRUE(settings) << settings.error().message;
    EXPECT_THAT(warnings_, IsEmpty());
  }
}

TEST_F(SettingsTest, SecurityDefaultsAreSafe) {
  auto settings = load(std::nullopt);
  ASSERT_TRUE(settings) << settings.error().message;
  EXPECT_EQ(settings->jwt_leeway, std::chrono::seconds(0));
  EXPECT_TRUE(settings->jwt_require_exp);
  EXPECT_FALSE(settings->uniform_errors);
  EXPECT_GT(settings->login_throttle_pair_limit, 0u);
  EXPECT_GT(settings->login_throttle_username_limit, settings->login_throttle_pair_limit);
  EXPECT_TRUE(settings->trusted_proxy_header.empty());
  EXPECT_TRUE(settings->trusted_proxies.empty());
}

TEST_F(SettingsTest, TrustedProxySettingsAreChecked) {
  EXPECT_THAT(error_of("trusted_proxies = [\"10.0.0.1\", \"proxy.local\"]\n"),
              AllOf(HasSubstr("trusted_proxies"), HasSubstr("proxy.local")));
  EXPECT_THAT(error_of("trusted_proxy_header = \"X Forwarded\"\n"),
              HasSubstr("trusted_proxy_header"));
}

}  // namespace
}  // namespace mango
