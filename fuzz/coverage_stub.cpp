// A no-op coverage hook for executables other than the fuzz targets in a fuzzing build: the
// libraries are compiled with -fsanitize-coverage=trace-pc there, and the fuzz driver
// (driver.cpp) defines the real __sanitizer_cov_trace_pc.
extern "C" __attribute__((weak)) void __sanitizer_cov_trace_pc() {}
