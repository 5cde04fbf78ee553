// mango-jwt user import: users exported from an existing Mango-JWT collection (mongoexport's
// JSON lines) into the configured store, hashes kept as they are.
//
// Lines are read in chunks. Within a chunk, lines whose unique values (id, email, secondary
// field) do not collide with an earlier line of the chunk are inserted in parallel; colliding
// lines are inserted afterwards, in file order. Chunks follow each other. The outcome is the
// same as inserting every line in file order: the first line with a value wins, later ones are
// skipped as already existing.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>
#include <unordered_set>

#include "cli.hpp"
#include "commands/user_import.hpp"

namespace mango::cli {
namespace {

constexpr std::size_t kChunkLines = 1000;
constexpr std::size_t kProgressEvery = 10000;  // a multiple of kChunkLines

// The algorithms (text before the first '$') of the hashes we verify; "!..." is Django's
// unusable password, kept as is (it never verifies).
constexpr std::array<std::string_view, 5> kVerifiedAlgorithms = {
    "pbkdf2_sha256", "pbkdf2_sha1", "bcrypt", "bcrypt_sha256", "argon2"};

struct ImportFlags {
  SettingsFlags settings;
  std::string file;
  unsigned jobs = 0;  // 0: 8 with MongoDB, 2 with the embedded store
};

struct Line {
  std::size_t number = 0;
  Document user;
  std::string problem;    // why the line cannot be imported; empty: it goes to the store
  bool deferred = false;  // collides with an earlier line of its chunk
  Result<void> outcome;
};

struct Counts {
  std::size_t lines = 0;
  std::size_t imported = 0;
  std::size_t skipped = 0;
  std::size_t invalid = 0;
  std::size_t failed = 0;
};

std::string single_quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

bool is_non_empty_string(const Document& user, const char* key) {
  auto it = user.find(key);
  return it != user.end() && it->is_string() && !it->get_ref<const std::string&>().empty();
}

// Checks one parsed line and drops its _id; the reason it cannot be imported, or empty.
std::string check_user(Document& user) {
  if (!user.is_object()) return "not a JSON object";
  user.erase("_id");  // MongoDB's ObjectId ({"$oid": ...}); the target store makes its own
  for (const char* key : {"id", "email", "password"}) {
    if (!user.contains(key)) return std::string("no \"") + key + "\"";
    if (!is_non_empty_string(user, key)) return std::string("\"") + key + "\" is not a non-empty string";
  }
  const std::string& hash = user["password"].get_ref<const std::string&>();
  if (!hash.starts_with('!')) {
    const auto dollar = hash.find('$');
    const std::string_view algorithm =
        dollar == std::string::npos ? std::string_view() : std::string_view(hash).substr(0, dollar);
    if (std::ranges::find(kVerifiedAlgorithms, algorithm) == kVerifiedAlgorithms.end())
      return "\"password\" is not a Django password hash of a verified scheme (pbkdf2_sha256$, "
             "pbkdf2_sha1$, bcrypt$, bcrypt_sha256$, argon2$) nor an unusable \"!...\" one";
  }
  for (const auto& [key, value] : user.items()) {
    if (key.empty() || key.starts_with('$') || key.find('\0') != std::string::npos)
      return "field name " + single_quoted(key) + " cannot be stored";
  }
  return {};
}

// The unique values of a user, as text that keeps JSON types apart ("5" and 5 differ).
std::vector<std::string> unique_keys(const Document& user, const std::string& secondary) {
  std::vector<std::string> keys;
  const auto dump = [](const Document& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  keys.push_back("i" + dump(user["id"]));
  keys.push_back("e" + dump(user["email"]));
  if (!secondary.empty())
    if (auto it = user.find(secondary); it != user.end()) keys.push_back("s" + dump(*it));
  return keys;
}

// Inserts the chunk's lines: non-colliding ones on `jobs` threads, then the deferred ones in order.
void insert_chunk(UserStore& store, std::vector<Line>& lines, unsigned jobs) {
  std::vector<Line*> parallel;
  for (Line& line : lines)
    if (line.problem.empty() && !line.deferred) parallel.push_back(&line);
  std::atomic<std::size_t> next{0};
  const auto work = [&] {
    for (std::size_t i = next++; i < parallel.size(); i = next++)
      parallel[i]->outcome = store.insert(parallel[i]->user);
  };
  const unsigned threads = std::min<std::size_t>(jobs, parallel.size());
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::jthread> pool;
    try {
      for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work);
    } catch (const std::system_error&) {
      work();  // no more threads to be had: this one does the rest
    }
  }
  for (Line& line : lines)
    if (line.problem.empty() && line.deferred) line.outcome = store.insert(line.user);
}

// Tallies the outcomes in line order; false when the store cannot be reached (stop importing).
bool tally(const std::vector<Line>& lines, Counts& counts) {
  bool store_reachable = true;
  for (const Line& line : lines) {
    if (!line.problem.empty()) {
      ++counts.invalid;
      std::cerr << "line " << line.number << ": invalid: " << line.problem << "\n";
      continue;
    }
    if (line.outcome) {
      ++counts.imported;
      continue;
    }
    const Error& error = line.outcome.error();
    switch (error.code) {
      case ErrorCode::already_exists:
        ++counts.skipped;
        break;
      case ErrorCode::invalid_argument:
        ++counts.invalid;
        std::cerr << "line " << line.number << ": invalid: " << error.message << "\n";
        break;
      default:
        ++counts.failed;
        std::cerr << "line " << line.number << ": not imported: " << error.message << "\n";
        if (error.code == ErrorCode::unavailable) store_reachable = false;
    }
  }
  return store_reachable;
}

int import_users(const ImportFlags& flags) {
  auto settings = load(flags.settings);
  if (!settings) return kBadSettings;

  std::ifstream file_stream;
  std::istream* input = &std::cin;
  if (flags.file != "-") {
    file_stream.open(flags.file, std::ios::binary);
    if (!file_stream) {
      print_error("cannot open " + single_quoted(flags.file) + ": " + std::strerror(errno));
      return kBadSettings;
    }
    input = &file_stream;
  }

  auto app = build_application(*settings);
  if (!app) return kBadSettings;
  UserStore& store = app->store();
  const std::string& secondary = app->auth().options().secondary_username_field;
  const unsigned jobs = flags.jobs != 0 ? flags.jobs : (settings->uses_mongo() ? 8 : 2);

  Counts counts;
  std::string text;
  bool stopped = false;
  while (!stopped && *input) {
    std::vector<Line> chunk;
    std::unordered_set<std::string> taken;  // unique values of this chunk's earlier lines
    std::size_t read_in_chunk = 0;
    while (read_in_chunk < kChunkLines && std::getline(*input, text)) {
      ++read_in_chunk;
      const std::size_t number = ++counts.lines;
      if (number == 1 && text.starts_with("\xEF\xBB\xBF")) text.erase(0, 3);  // a UTF-8 BOM
      if (text.ends_with('\r')) text.pop_back();
      if (text.find_first_not_of(" \t") == std::string::npos) continue;  // blank line

      Document user = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
      std::string problem = user.is_discarded() ? "not valid JSON" : check_user(user);
      Line line{number, std::move(user), std::move(problem), false, {}};
      if (line.problem.empty()) {
        for (std::string& key : unique_keys(line.user, secondary))
          if (!taken.insert(std::move(key)).second) line.deferred = true;
      }
      chunk.push_back(std::move(line));
    }
    insert_chunk(store, chunk, jobs);
    stopped = !tally(chunk, counts);
    if (stopped)
      print_error("stopping after line " + std::to_string(counts.lines) +
                  ": the user store cannot be reached");
    if (read_in_chunk == kChunkLines && counts.lines % kProgressEvery == 0)
      std::cerr << "mango-jwt: import: " << counts.lines << " lines read: " << counts.imported
                << " imported, " << counts.skipped << " skipped, " << counts.invalid
                << " invalid\n";
  }
  if (input->bad()) {
    print_error("cannot read " + single_quoted(flags.file));
    stopped = true;
  }

  std::cout << "imported " << counts.imported << ", skipped " << counts.skipped
            << " (already exist), invalid " << counts.invalid;
  if (counts.failed != 0) std::cout << ", failed " << counts.failed;
  std::cout << "\n";
  return counts.invalid == 0 && counts.failed == 0 && !stopped ? kOk : kFailed;
}

}  // namespace

void add_user_import_command(CLI::App& user_group, int& exit_code) {
  auto flags = std::make_shared<ImportFlags>();
  auto* command = user_group.add_subcommand(
      "import",
      "Import users exported from a Mango-JWT collection: one JSON document a line (mongoexport "
      "output; _id is dropped), each with id, email and a Django password hash, kept as is. "
      "Existing users are skipped; invalid lines are reported on stderr. Exit 0 when no line was "
      "invalid");
  command->add_option("file", flags->file, "the JSON-lines file ('-' for stdin)")->required();
  command->add_option("-j,--jobs", flags->jobs,
                      "inserts in flight at once (default 8 with MongoDB, 2 with the embedded "
                      "store)")
      ->check(CLI::Range(1, 64));
  add_config_flag(*command, flags->settings);
  add_data_dir_flag(*command, flags->settings);
  command->callback([flags, &exit_code] { exit_code = import_users(*flags); });
}

}  // namespace mango::cli
