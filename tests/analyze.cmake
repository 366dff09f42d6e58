# The analyzer (analyze/graph_*.c): oracle unit test, the synthetic snapshot
# generator, and (HS_BENCH) the load -> dominators -> SCC -> top benchmark.
add_executable(test_graph unit/test_graph.c)
target_link_libraries(test_graph PRIVATE hsload)
add_test(NAME unit/graph COMMAND test_graph 12345 5000)
add_test(NAME unit/graph_seed2 COMMAND test_graph 987654321 3000)
# the cycle listing: kept alive, grouping, interpreter cycles (writes its snapshots with the C writer)
add_executable(test_cycles unit/test_cycles.c)
target_link_libraries(test_cycles PRIVATE hsload libheapsnap)
file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/unit_cycles)
add_test(NAME unit/cycles COMMAND test_cycles ${CMAKE_CURRENT_BINARY_DIR}/unit_cycles)

add_executable(hsgen helpers/hsgen.c)
target_link_libraries(hsgen PRIVATE libheapsnap)

if(HS_BENCH)
  add_executable(bench_analyze bench/bench_analyze.c)
  target_link_libraries(bench_analyze PRIVATE hsload)
endif()
add_executable(test_points unit/test_points.c)
target_link_libraries(test_points PRIVATE hsgraph)
add_test(NAME unit/points COMMAND test_points 12345 3000)
add_test(NAME unit/points_seed2 COMMAND test_points 424242 2000)
