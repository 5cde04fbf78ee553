// A small coverage-guided fuzzing driver for targets written against libFuzzer's interface
// (LLVMFuzzerTestOneInput), for compilers without libFuzzer.
//
// Why our own: the tree is C++23 and uses std::expected; clang 14 (Debian 12's, which ships
// libFuzzer) cannot compile libstdc++ 12's <expected>, and g++ 12 has no libFuzzer. So the
// targets and the code under test are built with g++ and -fsanitize=address,undefined, and
// this driver does what libFuzzer would, plainly:
//
//   * coverage: the code under test is compiled with g++'s -fsanitize-coverage=trace-pc, which
//     calls __sanitizer_cov_trace_pc() at every basic block; we hash (previous block, block)
//     into a 64 KiB map of hit counters, as AFL does, and keep an input when it reaches a new
//     (edge, hit-count bucket) pair;
//   * mutation: bit flips, byte sets, inserts, erases, copies, numbers, dictionary words and
//     splices between corpus entries, stacked 1 to 8 at a time, from the seed corpus;
//   * findings: a sanitizer report, a crash, an uncaught exception or an input running longer
//     than -timeout seconds writes the input to <artifact_prefix>crash-<hash> (or timeout-),
//     prints it, and exits non-zero. LeakSanitizer checks leaks when the process exits.
//
// Usage, with libFuzzer's flag spelling so a libFuzzer build of the same target runs the same way:
//   fuzz_x [-max_total_time=S] [-runs=N] [-seed=N] [-max_len=N] [-timeout=S] [-dict=FILE]
//          [-artifact_prefix=DIR/] [-print_final_stats=1] CORPUS_DIR...     (fuzz)
//   fuzz_x FILE...                                                           (run these inputs)
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);
extern "C" __attribute__((weak)) void __sanitizer_set_death_callback(void (*callback)(void));

// ---- coverage -------------------------------------------------------------------------------

namespace {
constexpr std::size_t kMapSize = 1 << 16;
std::uint8_t g_hits[kMapSize];
std::uint8_t g_seen[kMapSize];  // per edge: the hit-count buckets already seen
std::uintptr_t g_previous = 0;
}  // namespace

// Called by -fsanitize-coverage=trace-pc instrumentation at the start of every basic block.
extern "C" __attribute__((no_sanitize_address, no_sanitize_undefined)) void
__sanitizer_cov_trace_pc() {
  const auto pc = reinterpret_cast<std::uintptr_t>(__builtin_return_address(0));
  const std::uintptr_t edge = (pc ^ g_previous) & (kMapSize - 1);
  g_previous = pc >> 1;
  // Saturating: a wrap to 0 would hide a hot edge.
  if (g_hits[edge] != 255) ++g_hits[edge];
}

namespace {

std::uint8_t bucket(std::uint8_t hits) {
  if (hits == 0) return 0;
  if (hits == 1) return 1;
  if (hits == 2) return 2;
  if (hits == 3) return 4;
  if (hits < 8) return 8;
  if (hits < 16) return 16;
  if (hits < 32) return 32;
  if (hits < 128) return 64;
  return 128;
}

// Folds this run's hits into g_seen; true when something new was reached. Clears g_hits.
bool collect_new_coverage(std::size_t& edges) {
  bool fresh = false;
  auto* words = reinterpret_cast<std::uint64_t*>(g_hits);
  for (std::size_t w = 0; w < kMapSize / 8; ++w) {
    if (words[w] == 0) continue;
    for (std::size_t i = w * 8; i < w * 8 + 8; ++i) {
      const std::uint8_t b = bucket(g_hits[i]);
      if (b != 0 && (g_seen[i] & b) == 0) {
        if (g_seen[i] == 0) ++edges;
        g_seen[i] |= b;
        fresh = true;
      }
    }
    words[w] = 0;
  }
  return fresh;
}

// ---- findings -------------------------------------------------------------------------------

const std::string* g_current = nullptr;  // the input being run
std::string g_artifact_prefix = "./";
std::string g_target_name = "fuzz";
volatile sig_atomic_t g_running = 0;
std::chrono::steady_clock::time_point g_run_started;
unsigned g_timeout_seconds = 20;

std::uint64_t fnv1a(const std::string& text) {
  std::uint64_t hash = 1469598103934665603ull;
  for (const unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

// Async-signal-safe enough for a dying process: raw write(2) only.
void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written <= 0) return;
    data += written;
    size -= static_cast<std::size_t>(written);
  }
}
void say(const char* text) { write_all(2, text, std::strlen(text)); }

void save_current_input(const char* kind) {
  if (g_current == nullptr) return;
  char name[64];
  std::snprintf(name, sizeof name, "%s-%016llx", kind,
                static_cast<unsigned long long>(fnv1a(*g_current)));
  const std::string path = g_artifact_prefix + name;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    write_all(fd, g_current->data(), g_current->size());
    ::close(fd);
  }
  say("\n==fuzz== ");
  say(g_target_name.c_str());
  say(": ");
  say(kind);
  say(" on the input saved as ");
  say(path.c_str());
  say("\n==fuzz== input (C-escaped): \"");
  std::string escaped;
  for (const unsigned char c : g_current->substr(0, 2048)) {
    if (c == '\\' || c == '"') {
      escaped += '\\';
      escaped += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      escaped += static_cast<char>(c);
    } else {
      char hex[5];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      escaped += hex;
    }
  }
  say(escaped.c_str());
  say(g_current->size() > 2048 ? "\"...\n" : "\"\n");
  say("==fuzz== reproduce: ");
  say(g_target_name.c_str());
  say(" ");
  say(path.c_str());
  say("\n");
  g_current = nullptr;  // saved once, whichever handler runs next
}

void on_sanitizer_death() { save_current_input("crash"); }

void on_terminate() {
  say("==fuzz== uncaught exception (std::terminate)\n");
  save_current_input("crash");
  std::abort();
}

void on_fatal_signal(int signal_number) {
  // Only reached for signals the sanitizers do not handle themselves.
  say("==fuzz== fatal signal\n");
  save_current_input("crash");
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

void on_alarm(int) {
  if (!g_running) return;
  const auto elapsed = std::chrono::steady_clock::now() - g_run_started;
  if (elapsed > std::chrono::seconds(g_timeout_seconds)) {
    say("==fuzz== timeout: one input ran longer than -timeout\n");
    save_current_input("timeout");
    ::_exit(70);
  }
}

// ---- inputs ---------------------------------------------------------------------------------

bool is_directory(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

std::string read_file(const std::string& path) {
  std::ifstream stream(path, std::ios::binary);
  std::ostringstream contents;
  contents << stream.rdbuf();
  return contents.str();
}

std::vector<std::string> files_in(const std::string& directory) {
  std::vector<std::string> files;
  if (DIR* dir = ::opendir(directory.c_str())) {
    while (const dirent* entry = ::readdir(dir)) {
      if (entry->d_name[0] == '.') continue;
      const std::string path = directory + "/" + entry->d_name;
      if (!is_directory(path)) files.push_back(path);
    }
    ::closedir(dir);
  }
  std::sort(files.begin(), files.end());
  return files;
}

// AFL/libFuzzer dictionary: one word a line, `name="value"` or `"value"`, \\ \" \xNN escapes.
std::vector<std::string> read_dictionary(const std::string& path) {
  std::vector<std::string> words;
  std::istringstream lines(read_file(path));
  std::string line;
  while (std::getline(lines, line)) {
    const auto open = line.find('"');
    const auto close = line.rfind('"');
    if (line.empty() || line[0] == '#' || open == std::string::npos || close <= open) continue;
    std::string word;
    for (std::size_t i = open + 1; i < close; ++i) {
      if (line[i] == '\\' && i + 1 < close) {
        if (line[i + 1] == 'x' && i + 3 < close) {
          word += static_cast<char>(std::stoi(line.substr(i + 2, 2), nullptr, 16));
          i += 3;
        } else {
          word += line[++i];
        }
      } else {
        word += line[i];
      }
    }
    if (!word.empty()) words.push_back(word);
  }
  return words;
}

// ---- mutation -------------------------------------------------------------------------------

class Mutator {
 public:
  Mutator(std::uint64_t seed, std::size_t max_len, std::vector<std::string> dictionary)
      : random_(seed), max_len_(max_len), dictionary_(std::move(dictionary)) {}

  std::size_t below(std::size_t n) { return n == 0 ? 0 : random_() % n; }

  std::string mutate(const std::string& base, const std::vector<std::string>& corpus) {
    std::string out = base;
    const std::size_t stack = 1 + below(below(2) ? 8 : 3);
    for (std::size_t i = 0; i < stack; ++i) mutate_once(out, corpus);
    if (out.size() > max_len_) out.resize(max_len_);
    return out;
  }

 private:
  static constexpr const char* kNumbers[] = {
      "0", "1", "-1", "4", "5", "16", "19", "255", "256", "1000", "1001", "65535", "65536",
      "2147483647", "2147483648", "4294967295", "4294967296", "9223372036854775807",
      "9223372036854775808", "18446744073709551616", "-9223372036854775809", "1e308", "1e400",
      "-0", "0.5", "NaN", "nan", "inf", "99999999999999999999999", "00", "01", "+1", " 1"};
  static constexpr unsigned char kBytes[] = {0, 1, 0x7f, 0x80, 0xc0, 0xc3, 0xe2, 0xf0, 0xf4,
                                             0xff, '\n', '\r', '$', '.', '=', '"', '\\', '%',
                                             '&', ';', '{', '}', '[', ']', ',', ':', ' ', '-'};

  void insert(std::string& out, std::size_t at, const std::string& text) {
    out.insert(std::min(at, out.size()), text);
  }

  void mutate_once(std::string& out, const std::vector<std::string>& corpus) {
    const std::size_t n = out.size();
    switch (below(12)) {
      case 0:  // flip a bit
        if (n) out[below(n)] ^= static_cast<char>(1u << below(8));
        break;
      case 1:  // set a byte to an interesting or random value
        if (n) out[below(n)] = static_cast<char>(below(2) ? kBytes[below(sizeof kBytes)] : below(256));
        break;
      case 2: {  // insert random bytes
        std::string bytes;
        for (std::size_t k = 1 + below(8); k > 0; --k) bytes += static_cast<char>(below(256));
        insert(out, below(n + 1), bytes);
        break;
      }
      case 3:  // erase a range
        if (n) {
          const std::size_t at = below(n);
          out.erase(at, 1 + below(std::min<std::size_t>(n - at, 16)));
        }
        break;
      case 4:  // copy a range elsewhere
        if (n) {
          const std::size_t from = below(n);
          const std::string chunk = out.substr(from, 1 + below(std::min<std::size_t>(n - from, 32)));
          insert(out, below(n + 1), chunk);
        }
        break;
      case 5:
      case 6:  // insert or overwrite a dictionary word
        if (!dictionary_.empty()) {
          const std::string& word = dictionary_[below(dictionary_.size())];
          const std::size_t at = below(n + 1);
          if (below(2) && at + word.size() <= n) out.replace(at, word.size(), word);
          else insert(out, at, word);
        }
        break;
      case 7: {  // replace a run of digits by an interesting number
        std::vector<std::size_t> starts;
        for (std::size_t i = 0; i < n; ++i)
          if (std::isdigit(static_cast<unsigned char>(out[i])) &&
              (i == 0 || !std::isdigit(static_cast<unsigned char>(out[i - 1]))))
            starts.push_back(i);
        const std::string number = kNumbers[below(std::size(kNumbers))];
        if (starts.empty()) {
          insert(out, below(n + 1), number);
        } else {
          const std::size_t at = starts[below(starts.size())];
          std::size_t end = at;
          while (end < n && std::isdigit(static_cast<unsigned char>(out[end]))) ++end;
          out.replace(at, end - at, number);
        }
        break;
      }
      case 8:  // splice with another corpus entry
        if (!corpus.empty()) {
          const std::string& other = corpus[below(corpus.size())];
          out = out.substr(0, below(n + 1)) + other.substr(below(other.size() + 1));
        }
        break;
      case 9:  // truncate
        if (n) out.resize(below(n));
        break;
      case 10:  // change the first byte (targets read their mode from it)
        if (n) out[0] = static_cast<char>(below(256));
        break;
      default: {  // repeat a byte
        if (n) {
          const std::size_t at = below(n);
          out.insert(at, 1 + below(below(8) ? 16 : 512), out[at]);
        }
        break;
      }
    }
  }

  std::mt19937_64 random_;
  std::size_t max_len_;
  std::vector<std::string> dictionary_;
};

// ---- running --------------------------------------------------------------------------------

struct Flags {
  double max_total_time = 0;  // 0: until -runs
  std::uint64_t runs = 0;     // 0: until -max_total_time
  std::uint64_t seed = 0;
  std::size_t max_len = 4096;
  std::vector<std::string> dictionaries;
  std::vector<std::string> paths;
};

double g_slowest_ms = 0;

void run_one(const std::string& input) {
  g_current = &input;
  g_run_started = std::chrono::steady_clock::now();
  g_running = 1;
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  g_running = 0;
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                              g_run_started).count();
  g_slowest_ms = std::max(g_slowest_ms, ms);
  g_current = nullptr;
}

bool parse_flag(const std::string& arg, const char* name, std::string& value) {
  const std::string prefix = std::string("-") + name + "=";
  if (arg.rfind(prefix, 0) != 0) return false;
  value = arg.substr(prefix.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  g_target_name = argv[0];
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    std::string value;
    if (parse_flag(arg, "max_total_time", value)) flags.max_total_time = std::stod(value);
    else if (parse_flag(arg, "runs", value)) flags.runs = std::stoull(value);
    else if (parse_flag(arg, "seed", value)) flags.seed = std::stoull(value);
    else if (parse_flag(arg, "max_len", value)) flags.max_len = std::stoul(value);
    else if (parse_flag(arg, "timeout", value)) g_timeout_seconds = static_cast<unsigned>(std::stoul(value));
    else if (parse_flag(arg, "dict", value)) flags.dictionaries.push_back(value);
    else if (parse_flag(arg, "artifact_prefix", value)) g_artifact_prefix = value;
    else if (!arg.empty() && arg[0] == '-') std::fprintf(stderr, "fuzz: ignoring flag %s\n", arg.c_str());
    else flags.paths.push_back(arg);
  }

  if (__sanitizer_set_death_callback) __sanitizer_set_death_callback(on_sanitizer_death);
  std::set_terminate(on_terminate);
  // SIGABRT: a target's own check (std::abort), and UndefinedBehaviorSanitizer reports when run
  // with UBSAN_OPTIONS=abort_on_error=1 (libubsan does not call AddressSanitizer's death
  // callback: g++ links them as two runtimes).
  for (const int s : {SIGABRT, SIGILL, SIGFPE, SIGBUS}) ::signal(s, on_fatal_signal);
  ::signal(SIGALRM, on_alarm);
  const itimerval every_second{{1, 0}, {1, 0}};
  ::setitimer(ITIMER_REAL, &every_second, nullptr);

  // Files only: run each once (reproducing a finding, or checking a corpus).
  const bool fuzzing = std::any_of(flags.paths.begin(), flags.paths.end(), is_directory);
  if (!fuzzing) {
    for (const auto& path : flags.paths) {
      std::fprintf(stderr, "fuzz: running %s\n", path.c_str());
      run_one(read_file(path));
    }
    std::fprintf(stderr, "fuzz: %zu inputs ran without a finding\n", flags.paths.size());
    return 0;
  }

  if (flags.seed == 0) flags.seed = std::random_device{}() | 1;
  std::vector<std::string> dictionary;
  for (const auto& path : flags.dictionaries) {
    auto words = read_dictionary(path);
    dictionary.insert(dictionary.end(), words.begin(), words.end());
  }
  Mutator mutator(flags.seed, flags.max_len, std::move(dictionary));

  std::vector<std::string> corpus;
  std::size_t edges = 0;
  for (const auto& path : flags.paths) {
    for (const auto& file : is_directory(path) ? files_in(path) : std::vector{path}) {
      corpus.push_back(read_file(file));
      run_one(corpus.back());
      collect_new_coverage(edges);
    }
  }
  if (corpus.empty()) corpus.emplace_back();
  const std::size_t seeds = corpus.size();
  std::fprintf(stderr, "fuzz: %s seed=%llu: %zu seed inputs, %zu edges\n", g_target_name.c_str(),
               static_cast<unsigned long long>(flags.seed), seeds, edges);

  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  std::uint64_t executions = 0;
  double next_report = 10;
  while ((flags.runs == 0 || executions < flags.runs) &&
         (flags.max_total_time <= 0 || elapsed() < flags.max_total_time)) {
    if (flags.runs == 0 && flags.max_total_time <= 0 && executions >= 100000) break;
    // Prefer recent finds a little: they are the frontier.
    const std::size_t pick = mutator.below(4) == 0 && corpus.size() > seeds
                                 ? seeds + mutator.below(corpus.size() - seeds)
                                 : mutator.below(corpus.size());
    std::string input = mutator.mutate(corpus[pick], corpus);
    run_one(input);
    ++executions;
    if (collect_new_coverage(edges)) corpus.push_back(std::move(input));
    if (elapsed() >= next_report) {
      std::fprintf(stderr, "fuzz: #%llu edges: %zu corpus: %zu exec/s: %.0f\n",
                   static_cast<unsigned long long>(executions), edges, corpus.size(),
                   executions / elapsed());
      next_report += 10;
    }
  }
  std::fprintf(stderr,
               "fuzz: DONE %s: %llu executions in %.1f s (%.0f exec/s), %zu edges, corpus %zu "
               "(%zu seeds), slowest input %.1f ms\n",
               g_target_name.c_str(), static_cast<unsigned long long>(executions), elapsed(),
               executions / std::max(elapsed(), 1e-9), edges, corpus.size(), seeds, g_slowest_ms);
  return 0;
}
