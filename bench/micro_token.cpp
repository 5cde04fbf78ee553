// TokenService: issue (sign) and verify one HS256 token of Mango-JWT's shape.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "mango/token.hpp"

namespace {

mango::TokenOptions bench_options() {
  mango::TokenOptions options;
  options.secret = "bench-signing-key-0123456789abcdef-0123456789abcdef";
  return options;
}

constexpr const char* kUserId = "ID_8bd15605-fcb0-4beb-8475-e47545c065dc";

void BM_TokenSign(benchmark::State& state) {
  const mango::TokenService tokens(bench_options());
  for (auto _ : state) {
    std::string token = tokens.issue(kUserId);
    benchmark::DoNotOptimize(token);
  }
}
BENCHMARK(BM_TokenSign)->Name("token/sign")->Unit(benchmark::kMicrosecond);

void BM_TokenVerify(benchmark::State& state) {
  const mango::TokenService tokens(bench_options());
  const std::string token = tokens.issue(kUserId);
  for (auto _ : state) {
    auto claims = tokens.verify(token);
    benchmark::DoNotOptimize(claims);
  }
  if (!tokens.verify(token)) state.SkipWithError("the token did not verify");
}
BENCHMARK(BM_TokenVerify)->Name("token/verify")->Unit(benchmark::kMicrosecond);

// What a guarded request does before its store lookup: take the token out of the header, verify.
void BM_TokenVerifyHeader(benchmark::State& state) {
  const mango::TokenService tokens(bench_options());
  const std::string header = "Bearer " + tokens.issue(kUserId);
  for (auto _ : state) {
    auto claims = tokens.verify(mango::token_from_authorization(header));
    benchmark::DoNotOptimize(claims);
  }
}
BENCHMARK(BM_TokenVerifyHeader)->Name("token/verify_bearer_header")->Unit(benchmark::kMicrosecond);

}  // namespace
