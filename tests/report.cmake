# tests/report.cmake — `heapsnap report` and `heapsnap graph`. The CLI cases
# (tests/cli/report, tests/cli/graph) are picked up by cli.cmake. Here: the
# page in headless Chromium (tests/report/test_*.py, Python's standard
# library driving Chromium's DevTools pipe; Debian's chromium package is
# required, a missing browser fails with a message), the escaping test, the
# size test on 1M objects, and (HS_PYTHON) a real Python leak, alone and
# against a base snapshot (test_growth.py, `report --base`). Reports and
# screenshots are kept under ${CMAKE_BINARY_DIR}/report-artifacts.
find_program(HS_CHROMIUM NAMES chromium chromium-browser)
find_package(Python3 COMPONENTS Interpreter)
if(NOT Python3_Interpreter_FOUND)
  message(FATAL_ERROR "python3 not found: the report tests need it (apt-get install python3)")
endif()
set(HS_REPORT_ARTIFACTS ${CMAKE_BINARY_DIR}/report-artifacts)
set(HS_REPORT_ENV
  "HEAPSNAP=$<TARGET_FILE:heapsnap_cli>" "MKSNAP=$<TARGET_FILE:mksnap>" "HSGEN=$<TARGET_FILE:hsgen>"
  "REPORT_ARTIFACTS=${HS_REPORT_ARTIFACTS}" "PYTHONDONTWRITEBYTECODE=1")
if(HS_CHROMIUM)
  list(APPEND HS_REPORT_ENV "CHROMIUM=${HS_CHROMIUM}")
endif()
if(HS_PYTHON)
  list(APPEND HS_REPORT_ENV "PYTHONPATH=${CMAKE_BINARY_DIR}/python" "HS_PYTHON=${Python3_EXECUTABLE}")
  if(HS_SANITIZE)
    # the sanitized extension needs the ASan runtime preloaded into python
    # (only into the Python child, never into Chromium)
    execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so
                    OUTPUT_VARIABLE HS_REPORT_LIBASAN OUTPUT_STRIP_TRAILING_WHITESPACE)
    list(APPEND HS_REPORT_ENV "HS_PY_PRELOAD=${HS_REPORT_LIBASAN}")
  endif()
endif()
set(HS_REPORT_TESTS browser escaping size)
if(HS_PYTHON)
  list(APPEND HS_REPORT_TESTS python_leak growth)
endif()
foreach(name ${HS_REPORT_TESTS})
  add_test(NAME report/${name}
           COMMAND ${Python3_EXECUTABLE} -m unittest -v test_${name}
           WORKING_DIRECTORY ${HS_TEST_DIR}/report)
  set_tests_properties(report/${name} PROPERTIES ENVIRONMENT "${HS_REPORT_ENV}" TIMEOUT 600)
endforeach()
# the browser tests share the artifacts directory and are heavy: one at a time
set_tests_properties(report/browser report/escaping PROPERTIES RESOURCE_LOCK hs_chromium)
if(HS_PYTHON)
  set_tests_properties(report/python_leak report/growth PROPERTIES RESOURCE_LOCK hs_chromium)
endif()
