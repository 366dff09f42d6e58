# tests/v8.cmake — V8 heap snapshots (.heapsnapshot): a node-generated heap
# with known shapes (tests/v8/gen_heap.js, run by the v8/gen fixture test),
# invariant checks on it and hand-computed retained sizes on the committed
# tiny fixture (tests/v8/test_v8.c), and DevTools' own retained sizes on a
# committed real node heap. CLI cases live in tests/cli/import/.
# See docs/v8.md#tests.
add_executable(test_v8 v8/test_v8.c)
target_link_libraries(test_v8 PRIVATE hsgraph)

set(HS_V8_GEN ${CMAKE_CURRENT_BINARY_DIR}/v8/gen.heapsnapshot)
add_test(NAME v8/gen COMMAND bash ${HS_TEST_DIR}/v8/gen.sh ${HS_V8_GEN})
set_tests_properties(v8/gen PROPERTIES FIXTURES_SETUP v8_gen)
add_test(NAME v8/invariants COMMAND test_v8 gen ${HS_V8_GEN})
set_tests_properties(v8/invariants PROPERTIES FIXTURES_REQUIRED v8_gen)
add_test(NAME v8/tiny_retained COMMAND test_v8 expect ${HS_TEST_DIR}/data/v8/tiny.heapsnapshot
                                       ${HS_TEST_DIR}/data/v8/tiny.expected.tsv)
add_test(NAME v8/import_gen COMMAND bash ${HS_TEST_DIR}/v8/import_check.sh $<TARGET_FILE:heapsnap_cli> ${HS_V8_GEN})
set_tests_properties(v8/import_gen PROPERTIES FIXTURES_REQUIRED v8_gen)
# A real node 20 heap (gzip, 0.8 MB) with the retained sizes Chrome DevTools'
# own code gives for its named objects (tests/data/v8/node20.devtools.tsv).
add_test(NAME v8/devtools_fixture
         COMMAND bash -c "gunzip -c \"$0\" >\"$1\" && \"$2\" expect \"$1\" \"$3\""
                 ${HS_TEST_DIR}/data/v8/node20.heapsnapshot.gz ${CMAKE_CURRENT_BINARY_DIR}/v8/node20.heapsnapshot
                 $<TARGET_FILE:test_v8> ${HS_TEST_DIR}/data/v8/node20.devtools.tsv)
