# Benchmarks: programs that print figures (never timed tests).
add_executable(bench_codec bench/bench_codec.c)
target_link_libraries(bench_codec PRIVATE libheapsnap)
