# analyze/diff.cmake — snapshot comparison (heapsnap diff, heapsnap leaks).
# hsdiff: signatures, matching and owner attribution, shared with
# tests/unit/test_diff.c. See docs/diff.md.
find_package(Threads REQUIRED)
add_library(hsdiff STATIC diff_snap.c diff_match.c diff_sites.c diff_report.c)
target_include_directories(hsdiff PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(hsdiff PUBLIC hsgraph)

target_sources(heapsnap_cli PRIVATE diff_out.c cmd_diff.c cmd_leaks.c cmd_trend.c)
target_link_libraries(heapsnap_cli PRIVATE hsdiff Threads::Threads)
