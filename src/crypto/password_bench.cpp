// Standalone timing (not a test): one PBKDF2-HMAC-SHA256 (32-byte key, Django's shape) with our
// implementation against OpenSSL's PKCS5_PBKDF2_HMAC, at passlib's 29000 and our default 600000
// rounds. Prints the best of a few runs of each and their ratio.
//   mango_password_bench [repetitions]
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "password_pbkdf2.hpp"

namespace {

using Clock = std::chrono::steady_clock;

template <class F>
double best_milliseconds(int repetitions, F&& run) {
  double best = 1e300;
  for (int i = 0; i < repetitions; ++i) {
    const auto start = Clock::now();
    run();
    const std::chrono::duration<double, std::milli> elapsed = Clock::now() - start;
    best = std::min(best, elapsed.count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const int repetitions = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  const std::string_view password = "correct horse battery staple";
  const std::string_view salt = "0hptROhPdyzc";

  std::printf("%-8s %14s %14s %8s\n", "rounds", "ours (ms)", "openssl (ms)", "ratio");
  for (const std::uint32_t rounds : {29000u, 600000u}) {
    std::array<unsigned char, 32> ours{}, openssl{};
    const double ours_ms = best_milliseconds(repetitions, [&] {
      mango::crypto::pbkdf2_hmac(mango::crypto::Pbkdf2Digest::sha256, password, salt, rounds, ours);
    });
    const double openssl_ms = best_milliseconds(repetitions, [&] {
      PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), static_cast<int>(rounds), EVP_sha256(),
                        static_cast<int>(openssl.size()), openssl.data());
    });
    if (ours != openssl) {
      std::fprintf(stderr, "mismatch at %u rounds\n", rounds);
      return 1;
    }
    std::printf("%-8u %14.2f %14.2f %8.3f\n", rounds, ours_ms, openssl_ms, ours_ms / openssl_ms);
  }
  return 0;
}
