# tests/python/: the Python writer's acceptance scenarios (unittest), each a
# real child program run by Python3_EXECUTABLE (any supported CPython, one
# per build: scripts/test.sh makes one small build per interpreter and runs
# `ctest -L python` there) against the CMake-built package
# in ${CMAKE_BINARY_DIR}/python; the dumps are diagnosed by the analyzer
# (HEAPSNAP, `heapsnap <command> --json`) and decoded by tests/helpers/hsjson.
# test_pip.py installs the package with pip, offline, into fresh venvs of
# that interpreter (Debian's needs python3-pip and python3-venv). Only with
# -DHS_PYTHON=ON.
add_executable(hsjson helpers/hsjson.c)
target_link_libraries(hsjson PRIVATE libheapsnap)

if(HS_PYTHON)
  set(HS_PY_ENV "PYTHONPATH=${CMAKE_BINARY_DIR}/python;HS_PYTHON=${Python3_EXECUTABLE};HSJSON=$<TARGET_FILE:hsjson>;HEAPSNAP=$<TARGET_FILE:heapsnap_cli>;PYTHONDONTWRITEBYTECODE=1")
  if(HS_SANITIZE)
    # A sanitized extension inside an unsanitized python: the ASan runtime
    # must be loaded first; CPython's own allocations are not leak-checked.
    execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=libasan.so
                    OUTPUT_VARIABLE HS_LIBASAN OUTPUT_STRIP_TRAILING_WHITESPACE)
    list(APPEND HS_PY_ENV "LD_PRELOAD=${HS_LIBASAN}" "ASAN_OPTIONS=detect_leaks=0")
  endif()
  # tests/python/ext/hsext.c: a C extension for the tests only, the worked
  # example of dump/python/heapsnap_ext.h (test_ext.py imports it from HSEXT_PATH)
  find_package(Python3 COMPONENTS Interpreter Development.Module REQUIRED)
  Python3_add_library(hsext MODULE WITH_SOABI python/ext/hsext.c)
  target_include_directories(hsext PRIVATE ${PROJECT_SOURCE_DIR}/dump/python)
  set_target_properties(hsext PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/python-tests)
  list(APPEND HS_PY_ENV "HSEXT_PATH=${CMAKE_BINARY_DIR}/python-tests")
  file(GLOB HS_PY_TESTS CONFIGURE_DEPENDS ${HS_TEST_DIR}/python/test_*.py)
  foreach(t ${HS_PY_TESTS})
    get_filename_component(name ${t} NAME_WE)
    add_test(NAME python/${name}
             COMMAND ${Python3_EXECUTABLE} -m unittest -v ${name}
             WORKING_DIRECTORY ${HS_TEST_DIR}/python)
    set_tests_properties(python/${name} PROPERTIES
      ENVIRONMENT "${HS_PY_ENV}"
      LABELS python
      TIMEOUT 900)
  endforeach()
endif()
