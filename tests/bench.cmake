# Benchmarks: programs that print figures (never timed tests).
add_executable(bench_codec bench/bench_codec.c)
target_link_libraries(bench_codec PRIVATE libheapsnap)
# The malloc-churn workload of bench/bench_native.sh (frame pointers: the
# 16-frame sites it measures).
add_executable(bench_churn bench/bench_churn.c)
target_compile_options(bench_churn PRIVATE -O2 -fno-omit-frame-pointer)
