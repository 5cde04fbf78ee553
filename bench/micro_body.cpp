// mango::http::parse_body on a login body in each encoding DRF's parsers accept.
#include <benchmark/benchmark.h>

#include <string>

#include "mango/http.hpp"

namespace {

void run_parse(benchmark::State& state, const std::string& content_type, const std::string& body) {
  if (!mango::http::parse_body(content_type, body)) {
    state.SkipWithError("the body did not parse");
    return;
  }
  for (auto _ : state) {
    auto data = mango::http::parse_body(content_type, body);
    benchmark::DoNotOptimize(data);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
}

void BM_ParseJson(benchmark::State& state) {
  run_parse(state, "application/json",
            R"({"username": "user000042@bench.example", "password": "bench-password-42"})");
}
BENCHMARK(BM_ParseJson)->Name("parse_body/json")->Unit(benchmark::kMicrosecond);

void BM_ParseForm(benchmark::State& state) {
  run_parse(state, "application/x-www-form-urlencoded",
            "username=user000042%40bench.example&password=bench-password-42");
}
BENCHMARK(BM_ParseForm)->Name("parse_body/form")->Unit(benchmark::kMicrosecond);

void BM_ParseMultipart(benchmark::State& state) {
  const std::string boundary = "----benchboundary7MA4YWxkTrZu0gW";
  const std::string body =
      "--" + boundary + "\r\n"
      "Content-Disposition: form-data; name=\"username\"\r\n\r\n"
      "user000042@bench.example\r\n"
      "--" + boundary + "\r\n"
      "Content-Disposition: form-data; name=\"password\"\r\n\r\n"
      "bench-password-42\r\n"
      "--" + boundary + "--\r\n";
  run_parse(state, "multipart/form-data; boundary=" + boundary, body);
}
BENCHMARK(BM_ParseMultipart)->Name("parse_body/multipart")->Unit(benchmark::kMicrosecond);

}  // namespace
