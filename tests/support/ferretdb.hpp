// Test helpers for MongoDB-backed tests.
//
// The shared server: tests read its URI from MANGO_JWT_TEST_MONGODB_URI and skip without it.
// `scripts/ferretdb with <dir> -- ctest ...` starts a FerretDB, sets the variable, runs the
// command and stops the server; or point the variable at a real MongoDB.
//
// A private server: PrivateFerretDb starts a FerretDB of its own in a fresh temporary directory
// through scripts/ferretdb (which the test target names with the MANGO_FERRETDB_SCRIPT
// definition), so a test may stop and restart it (same port, same data) without disturbing
// tests running in parallel against the shared server. It is stopped, by its PID, on
// destruction.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <system_error>

namespace mango::test_support {

inline std::optional<std::string> test_mongodb_uri() {
  const char* uri = std::getenv("MANGO_JWT_TEST_MONGODB_URI");
  if (uri == nullptr || *uri == '\0') return std::nullopt;
  return std::string(uri);
}

inline constexpr const char* kNoMongoMessage =
    "MANGO_JWT_TEST_MONGODB_URI is not set: no MongoDB to test against. Run the tests through "
    "`scripts/ferretdb with <dir> -- ctest ...` or set it to a MongoDB URI.";

// A name unlikely to be used before, for a fresh collection or directory.
inline std::string unique_name(const std::string& prefix) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  char suffix[20];
  std::snprintf(suffix, sizeof suffix, "%016llx", static_cast<unsigned long long>(random()));
  return prefix + suffix;
}

inline std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'')
      quoted += "'\\''";
    else
      quoted += c;
  }
  return quoted + "'";
}

#ifdef MANGO_FERRETDB_SCRIPT
class PrivateFerretDb {
 public:
  // True when scripts/ferretdb and an installed FerretDB binary are there to start one.
  static bool can_start() {
    const char* home = std::getenv("HOME");
    const char* cache = std::getenv("MANGO_JWT_CACHE");
    const char* binary = std::getenv("MANGO_JWT_FERRETDB_BIN");
    std::filesystem::path path =
        binary ? std::filesystem::path(binary)
               : (cache ? std::filesystem::path(cache)
                        : std::filesystem::path(home ? home : "") / ".cache/mango-jwt") /
                     "bin/ferretdb";
    std::error_code ignored;
    return std::filesystem::exists(MANGO_FERRETDB_SCRIPT, ignored) &&
           std::filesystem::exists(path, ignored);
  }

  PrivateFerretDb()
      : dir_(std::filesystem::temp_directory_path() / unique_name("mango-ferretdb-")) {}
  PrivateFerretDb(const PrivateFerretDb&) = delete;
  PrivateFerretDb& operator=(const PrivateFerretDb&) = delete;
  ~PrivateFerretDb() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Starts it (again, on the same port and data after a stop); the MongoDB URI, or nullopt.
  std::optional<std::string> start() {
    if (run("start") != 0) return std::nullopt;
    return uri();
  }

  bool stop() { return run("stop") == 0; }

  std::optional<std::string> uri() const {
    std::FILE* file = std::fopen((dir_ / "uri").c_str(), "r");
    if (file == nullptr) return std::nullopt;
    char line[512] = {};
    const bool read = std::fgets(line, sizeof line, file) != nullptr;
    std::fclose(file);
    if (!read) return std::nullopt;
    std::string text = line;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
  }

  const std::filesystem::path& dir() const { return dir_; }

 private:
  int run(const char* verb) {
    const std::string command = shell_quote(MANGO_FERRETDB_SCRIPT) + " " + verb + " " +
                                shell_quote(dir_.string()) + " >/dev/null";
    return std::system(command.c_str());
  }

  std::filesystem::path dir_;
};
#endif

}  // namespace mango::test_support
