# tests/diff.cmake — snapshot comparison (heapsnap diff, heapsnap leaks):
# the unit test of matching and owner attribution, the mkdiff helper that
# writes scripted snapshots for tests/cli/diff and tests/cli/leaks, and
# (HS_BENCH) the diff benchmark. See docs/diff.md.
add_executable(mkdiff helpers/mkdiff.c)
target_link_libraries(mkdiff PRIVATE libheapsnap)

add_executable(test_diff unit/test_diff.c)
target_link_libraries(test_diff PRIVATE hsdiff libheapsnap)
add_test(NAME unit/diff COMMAND test_diff)
add_dependencies(heapsnap_cli mkdiff)
