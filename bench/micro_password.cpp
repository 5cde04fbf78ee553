// PasswordHasher::verify for each scheme, on the shared vectors' hashes at their own costs, and
// our PBKDF2-HMAC-SHA256 against OpenSSL's PKCS5_PBKDF2_HMAC at passlib's 29,000 rounds.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <memory>
#include <set>
#include <string>

#include "mango/password.hpp"
#include "password_pbkdf2.hpp"
#include "primitives.hpp"

namespace {

constexpr std::uint32_t kPasslibRounds = 29000;
constexpr std::string_view kPassword = "correct horse battery staple";
constexpr std::string_view kSalt = "0hptROhPdyzc";  // 12 characters, like passlib's salts

void BM_Pbkdf2Ours(benchmark::State& state) {
  std::array<unsigned char, 32> key{};
  for (auto _ : state) {
    mango::crypto::pbkdf2_hmac(mango::crypto::Pbkdf2Digest::sha256, kPassword, kSalt,
                               kPasslibRounds, key);
    benchmark::DoNotOptimize(key);
  }
}
BENCHMARK(BM_Pbkdf2Ours)->Name("pbkdf2_sha256/ours/29000")->Unit(benchmark::kMillisecond);

void BM_Pbkdf2OpenSsl(benchmark::State& state) {
  std::array<unsigned char, 32> key{}, ours{};
  mango::crypto::pbkdf2_hmac(mango::crypto::Pbkdf2Digest::sha256, kPassword, kSalt,
                             kPasslibRounds, ours);
  for (auto _ : state) {
    PKCS5_PBKDF2_HMAC(kPassword.data(), static_cast<int>(kPassword.size()),
                      reinterpret_cast<const unsigned char*>(kSalt.data()),
                      static_cast<int>(kSalt.size()), static_cast<int>(kPasslibRounds),
                      EVP_sha256(), static_cast<int>(key.size()), key.data());
    benchmark::DoNotOptimize(key);
  }
  if (key != ours) state.SkipWithError("our PBKDF2 and OpenSSL's disagree");
}
BENCHMARK(BM_Pbkdf2OpenSsl)->Name("pbkdf2_sha256/openssl/29000")->Unit(benchmark::kMillisecond);

// The cost part of a Django hash: "29000" for pbkdf2, "12" for bcrypt, "m=102400,t=2,p=8" for
// argon2 (with its variant).
std::string cost_of(const std::string& scheme, const std::string& hash) {
  std::vector<std::string> parts;
  std::size_t begin = 0;
  while (true) {
    const std::size_t end = hash.find('$', begin);
    parts.push_back(hash.substr(begin, end == std::string::npos ? std::string::npos : end - begin));
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  if (scheme.starts_with("django_pbkdf2") && parts.size() > 1) return parts[1];
  if (scheme.starts_with("django_bcrypt") && parts.size() > 3) return "cost=" + parts[3];
  if (scheme == "django_argon2" && parts.size() > 4) return parts[1] + "," + parts[3];
  return "?";
}

// One benchmark per scheme: the first vector of that scheme that must verify (the vectors list
// each scheme's library default first).
void register_password_benchmarks() {
  std::ifstream in(MANGO_VECTORS_FILE);
  if (!in) {
    std::fprintf(stderr, "micro_bench: cannot open %s; password verify benchmarks skipped\n",
                 MANGO_VECTORS_FILE);
    return;
  }
  const auto vectors = nlohmann::json::parse(in).at("vectors");
  std::shared_ptr<mango::PasswordHasher> hasher;
  {
    auto created = mango::PasswordHasher::create(mango::PasswordOptions{});
    if (!created) {
      std::fprintf(stderr, "micro_bench: PasswordHasher::create failed\n");
      return;
    }
    hasher = std::move(*created);
  }
  std::set<std::string> done;
  for (const auto& v : vectors) {
    const std::string scheme = v.at("scheme");
    if (!v.at("expected_verify").get<bool>() || v.at("case") != "positive" || done.contains(scheme))
      continue;
    done.insert(scheme);
    const std::string hash = v.at("hash");
    const auto password = mango::crypto::base64_decode(v.at("password_b64").get<std::string>());
    if (!password) continue;
    const std::string name = "password_verify/" + scheme + "/" + cost_of(scheme, hash);
    benchmark::RegisterBenchmark(name.c_str(), [hasher, hash, password = *password](
                                                   benchmark::State& state) {
      if (!hasher->verify(password, hash)) {
        state.SkipWithError("the vector's hash did not verify");
        return;
      }
      for (auto _ : state) benchmark::DoNotOptimize(hasher->verify(password, hash));
    })->Unit(benchmark::kMillisecond);
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_password_benchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
