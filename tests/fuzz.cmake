# Fuzz targets (tests/fuzz/fuzz_<target>.c). With HS_FUZZ (clang), each is a
# libFuzzer binary fuzz_<target>; ctest always replays the corpora through
# regression_driver.c, with any compiler. .ci/run fuzzes for a bounded time.
set(HS_FUZZ_TARGETS reader roundtrip records)
set(HS_FUZZ_SEEDS ${HS_TEST_DIR}/data/bad ${HS_TEST_DIR}/data/good ${HS_TEST_DIR}/fuzz/corpus)
foreach(t ${HS_FUZZ_TARGETS})
  add_executable(replay_${t} fuzz/fuzz_${t}.c fuzz/regression_driver.c)
  target_link_libraries(replay_${t} PRIVATE libheapsnap)
  add_test(NAME fuzz/replay_${t} COMMAND replay_${t} ${HS_FUZZ_SEEDS} ${HS_TEST_DIR}/fuzz/corpus_${t})
  if(HS_FUZZ)
    add_executable(fuzz_${t} fuzz/fuzz_${t}.c)
    target_compile_options(fuzz_${t} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(fuzz_${t} PRIVATE libheapsnap -fsanitize=fuzzer)
  endif()
endforeach()

# The V8 heap snapshot reader (analyze/v8/, through analyze/load/).
add_executable(replay_v8 fuzz/fuzz_v8.c fuzz/regression_driver.c)
target_link_libraries(replay_v8 PRIVATE hsload)
add_test(NAME fuzz/replay_v8 COMMAND replay_v8 ${HS_TEST_DIR}/data/v8 ${HS_TEST_DIR}/data/v8/bad
                                    ${HS_TEST_DIR}/fuzz/corpus_v8)
if(HS_FUZZ)
  add_executable(fuzz_v8 fuzz/fuzz_v8.c)
  target_compile_options(fuzz_v8 PRIVATE -fsanitize=fuzzer)
  target_link_libraries(fuzz_v8 PRIVATE hsload -fsanitize=fuzzer)
endif()

# diff, leaks and trend over three generated snapshots (issue 19 #5 #7): the
# commands themselves, so the target compiles their cli/ files (not main.c).
set(HS_FUZZ_DIFF_SOURCES fuzz/fuzz_diff.c ${PROJECT_SOURCE_DIR}/analyze/cli/cli_opts.c
    ${PROJECT_SOURCE_DIR}/analyze/cli/cli_load.c ${PROJECT_SOURCE_DIR}/analyze/cli/cmd_diff.c
    ${PROJECT_SOURCE_DIR}/analyze/cli/cmd_leaks.c ${PROJECT_SOURCE_DIR}/analyze/cli/cmd_trend.c)
add_executable(replay_diff ${HS_FUZZ_DIFF_SOURCES} fuzz/regression_driver.c)
target_link_libraries(replay_diff PRIVATE hsreport)
add_test(NAME fuzz/replay_diff COMMAND replay_diff ${HS_TEST_DIR}/fuzz/corpus_diff)
if(HS_FUZZ)
  add_executable(fuzz_diff ${HS_FUZZ_DIFF_SOURCES})
  target_compile_options(fuzz_diff PRIVATE -fsanitize=fuzzer)
  target_link_libraries(fuzz_diff PRIVATE hsreport -fsanitize=fuzzer)
endif()
