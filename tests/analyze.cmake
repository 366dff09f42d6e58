# The analyzer (analyze/graph_*.c): oracle unit test, the synthetic snapshot
# generator, and (HS_BENCH) the load -> dominators -> SCC -> top benchmark.
add_executable(test_graph unit/test_graph.c)
target_link_libraries(test_graph PRIVATE hsload)
add_test(NAME unit/graph COMMAND test_graph 12345 5000)
add_test(NAME unit/graph_seed2 COMMAND test_graph 987654321 3000)

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
