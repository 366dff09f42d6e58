# tests/security/: one regression case per defect of issue 19 (hardening),
# named after the defect. Shell cases (<defect>.sh, run by
# tests/security/run.sh in a temporary folder, asserting exit codes and the
# one-line messages), C cases over the library (outfile, writer_long_string,
# reader_budget), the report in Chromium (report_long_name.py), and the
# Python writer's in tests/python/test_hardening.py. The cases were written
# before the fixes: a case written ahead of its fix goes in
# HS_SECURITY_PENDING (registered but Disabled, so the suite stays green)
# and moves to HS_SECURITY_CASES with the commit that fixes it.
add_executable(mkhostile security/mkhostile.c)
target_link_libraries(mkhostile PRIVATE hsformat)

foreach(t outfile writer_long_string reader_budget)
  add_executable(security_${t} security/${t}.c)
  target_link_libraries(security_${t} PRIVATE libheapsnap)
  add_test(NAME security/${t} COMMAND security_${t})
endforeach()

set(HS_SECURITY_CASES
  symlink_temp_output      # 1
  world_readable_outputs   # 2
  v8_duplicate_ids         # 4
  trend_signed_overflow    # 5
  header_time_range        # 6
  diff_huge_sizes          # 7
  address_overflow         # 8
  nul_in_header            # 9, decoder side
  nul_in_names             # 9, analyzer side
  bomb_regular_dump        # 10
  v8_unused_strings        # 11
  dominators_depth_output  # 12
  stdout_write_error       # 13
  sigxfsz                  # 14
)
set(HS_SECURITY_PENDING
)
set(HS_SECURITY_ENV "HEAPSNAP=$<TARGET_FILE:heapsnap_cli>;MKSNAP=$<TARGET_FILE:mksnap>;HSGEN=$<TARGET_FILE:hsgen>;MKHOSTILE=$<TARGET_FILE:mkhostile>;DATA=${HS_TEST_DIR}/data;BIN=${CMAKE_BINARY_DIR}/bin;SECURITY=${HS_TEST_DIR}/security")
if(HS_SANITIZE)
  list(APPEND HS_SECURITY_ENV "HS_SANITIZE=1")
endif()
foreach(c ${HS_SECURITY_CASES} ${HS_SECURITY_PENDING})
  add_test(NAME security/${c} COMMAND bash ${HS_TEST_DIR}/security/run.sh ${HS_TEST_DIR}/security/${c}.sh)
  set_tests_properties(security/${c} PROPERTIES TIMEOUT 300 ENVIRONMENT "${HS_SECURITY_ENV}")
endforeach()
# ctest lists them as "Disabled"; run one by hand with the environment above:
# bash tests/security/run.sh tests/security/CASE.sh
foreach(c ${HS_SECURITY_PENDING})
  set_tests_properties(security/${c} PROPERTIES DISABLED TRUE)
endforeach()

# #3: the report with 1 MB names, in headless Chromium (tests/report's harness)
find_program(HS_SEC_CHROMIUM NAMES chromium chromium-browser)
find_package(Python3 COMPONENTS Interpreter)
set(HS_SEC_PY_CASES report_long_name)
foreach(c ${HS_SEC_PY_CASES})
  add_test(NAME security/${c} COMMAND ${Python3_EXECUTABLE} -m unittest -v ${c}
           WORKING_DIRECTORY ${HS_TEST_DIR}/security)
  set(env ${HS_SECURITY_ENV} "REPORT_ARTIFACTS=${CMAKE_BINARY_DIR}/report-artifacts" "PYTHONDONTWRITEBYTECODE=1")
  if(HS_SEC_CHROMIUM)
    list(APPEND env "CHROMIUM=${HS_SEC_CHROMIUM}")
  endif()
  set_tests_properties(security/${c} PROPERTIES ENVIRONMENT "${env}" TIMEOUT 600 RESOURCE_LOCK hs_chromium)
endforeach()
