# tests/v8.cmake — V8 heap snapshots (.heapsnapshot): a node-generated heap
# with known shapes (tests/helpers/v8/gen_heap.js, run by the v8/gen fixture test),
# invariant checks on it and hand-computed retained sizes on the committed
# tiny fixture (tests/unit/test_v8.c), and DevTools' own retained sizes on a
# committed real node heap. CLI cases live in tests/cli/import/.
# See docs/v8.md#tests.
add_executable(test_v8 unit/test_v8.c)
target_link_libraries(test_v8 PRIVATE hsload)

set(HS_V8_GEN ${CMAKE_CURRENT_BINARY_DIR}/v8/gen.heapsnapshot)
add_test(NAME v8/gen COMMAND bash ${HS_TEST_DIR}/helpers/v8/gen.sh ${HS_V8_GEN})
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

# Allocation sites (V8_READ_SITES, analyze/v8/v8_sites.c): tests/helpers/v8/gen_sites.js
# run with and without --track-heap-objects (v8/sites_gen), a hand-computed
# fixture, the committed node 20 heap (locations only; its own gunzipped
# copy) and malformed site sections (tests/data/v8/bad/sites_*, which read
# fine without sites, plus generated deep chains). See docs/v8.md.
set(HS_V8_SITES ${CMAKE_CURRENT_BINARY_DIR}/v8/sites)
add_test(NAME v8/sites_gen COMMAND bash ${HS_TEST_DIR}/helpers/v8/gen_sites.sh ${HS_V8_SITES})
set_tests_properties(v8/sites_gen PROPERTIES FIXTURES_SETUP v8_sites_gen)
add_test(NAME v8/sites COMMAND test_v8 sites ${HS_V8_SITES}/sites_traced.heapsnapshot
                               ${HS_V8_SITES}/sites_located.heapsnapshot ${HS_TEST_DIR}/helpers/v8/gen_sites.js)
set_tests_properties(v8/sites PROPERTIES FIXTURES_REQUIRED v8_sites_gen)
add_test(NAME v8/sites_tiny COMMAND test_v8 sites_tiny ${HS_TEST_DIR}/data/v8/sites_tiny.heapsnapshot)
add_test(NAME v8/sites_fixture
         COMMAND bash -c "mkdir -p \"$(dirname \"$1\")\" && gunzip -c \"$0\" >\"$1\" && \"$2\" sites_fixture \"$1\""
                 ${HS_TEST_DIR}/data/v8/node20.heapsnapshot.gz ${HS_V8_SITES}/node20.heapsnapshot
                 $<TARGET_FILE:test_v8>)
add_test(NAME v8/sites_bad COMMAND bash -c "mkdir -p \"$2\" && \"$0\" sites_bad \"$1\" \"$2\""
                 $<TARGET_FILE:test_v8> ${HS_TEST_DIR}/data/v8/bad ${HS_V8_SITES}/scratch)
# End to end: `diff --by site` on a traced and a located BEFORE/AFTER pair,
# directly and after import, `info`'s site counts (tests/v8/sites_diff.sh).
add_test(NAME v8/sites_diff COMMAND bash ${HS_TEST_DIR}/v8/sites_diff.sh $<TARGET_FILE:heapsnap_cli>
                                    ${HS_V8_SITES}/diff)

# DevTools' classes and node-id matching (analyze/v8/v8_class.c, diff_key_mode):
# generated snapshots with known shapes, classes and ids, always run
# (tests/v8/classes_ids.sh); and heapsnap's summary and diff --by new against
# DevTools' own Summary and Comparison views of a leaking session store, run
# when node and the DevTools oracle are there and shown as skipped otherwise.
add_test(NAME v8/classes_ids COMMAND bash ${HS_TEST_DIR}/v8/classes_ids.sh $<TARGET_FILE:heapsnap_cli>
                                     ${CMAKE_CURRENT_BINARY_DIR}/v8/classes)
add_test(NAME v8/devtools_views COMMAND bash ${HS_TEST_DIR}/v8/devtools_views_check.sh $<TARGET_FILE:heapsnap_cli>
                                        ${CMAKE_CURRENT_BINARY_DIR}/v8/views)
set_tests_properties(v8/devtools_views PROPERTIES SKIP_RETURN_CODE 77)
