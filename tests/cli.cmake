# CLI cases: tests/cli/<command>/<case>.sh, each a ctest run by tests/cli/run.sh,
# with <case>.sh.exit / .stdout.exact / .stdout.glob / .stderr.exact / .stderr.glob beside it.
file(GLOB_RECURSE HS_CLI_CASES CONFIGURE_DEPENDS ${HS_TEST_DIR}/cli/*/*.sh)
foreach(case ${HS_CLI_CASES})
  file(RELATIVE_PATH name ${HS_TEST_DIR}/cli ${case})
  string(REGEX REPLACE "\\.sh$" "" name ${name})
  add_test(NAME cli/${name}
           COMMAND bash ${HS_TEST_DIR}/cli/run.sh ${case})
  set_tests_properties(cli/${name} PROPERTIES
    ENVIRONMENT "HEAPSNAP=$<TARGET_FILE:heapsnap_cli>;MKSNAP=$<TARGET_FILE:mksnap>;HS_EXAMPLE=$<TARGET_FILE:hs_example>;DATA=${HS_TEST_DIR}/data;BIN=${CMAKE_BINARY_DIR}/bin")
endforeach()
# The index corpus runs every command with and without the index on 17 dumps: 4 minutes under
# ASan on a quiet 2-core machine, 12.5 on a loaded one, so the suite-wide 900 s is too tight.
set_tests_properties(cli/index/corpus PROPERTIES TIMEOUT 2400)
