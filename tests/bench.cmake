# Benchmarks: programs that print figures (never timed tests).
add_executable(bench_codec bench/bench_codec.c)
target_link_libraries(bench_codec PRIVATE libheapsnap)
# The malloc-churn workload of bench/bench_native.sh (frame pointers: the
# 16-frame sites it measures).
add_executable(bench_churn bench/bench_churn.c)
target_compile_options(bench_churn PRIVATE -O2 -fno-omit-frame-pointer)
# The floor a loader is measured against (bench/bench_floor.c, bench/bench_load.sh): zstd and a
# hand-written decode of the graph records, nothing of the tool's.
find_library(HS_ZSTD_LIB zstd REQUIRED)
add_executable(bench_floor bench/bench_floor.c)
target_link_libraries(bench_floor PRIVATE ${HS_ZSTD_LIB})
