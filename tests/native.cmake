# tests/native/: libheapsnap-preload.so against programs with known heaps
# (tests/native/test_native.py, unittest): the leak kinds of gt_leaks.c and
# cxx_prog.cpp against valgrind --leak-check=full, four allocating threads,
# fork, _exit, the dump signal mid-allocation, every interposed call, the
# heapsnap CLI on the files. Not under HS_SANITIZE: ASan owns malloc, so the
# preload library is not built; one test says so in the output and is
# reported as skipped.
# memcheck's leak kinds on graphs (analyze/graph/graph_leaks.c), against an
# oracle from the definitions: runs in every build, sanitizers included.
add_executable(test_leaks unit/test_leaks.c)
target_link_libraries(test_leaks PRIVATE hsload)
add_test(NAME unit/leaks COMMAND test_leaks 4242 20000)

find_package(Python3 COMPONENTS Interpreter)
if(NOT TARGET heapsnap_preload)
  add_test(NAME native/skipped
           COMMAND ${CMAKE_COMMAND} -E echo "SKIPPED: the native preload tests need libheapsnap-preload.so, which is not built with HS_SANITIZE/HS_FUZZ (ASan owns malloc)")
  set_tests_properties(native/skipped PROPERTIES SKIP_REGULAR_EXPRESSION "SKIPPED")
  return()
endif()

set(HSN_TEST_FLAGS -O1 -g -fno-omit-frame-pointer)
foreach(p gt_leaks mt_alloc fork_child exit_now sig_loop family)
  add_executable(native_${p} native/${p}.c)
  set_target_properties(native_${p} PROPERTIES OUTPUT_NAME ${p} RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/native)
  target_compile_options(native_${p} PRIVATE ${HSN_TEST_FLAGS})
  target_include_directories(native_${p} PRIVATE ${PROJECT_SOURCE_DIR}/dump/native)
  target_link_libraries(native_${p} PRIVATE pthread)
endforeach()
set(HSN_CXX OFF)
include(CheckLanguage)
check_language(CXX)
if(CMAKE_CXX_COMPILER)
  enable_language(CXX)
  add_executable(native_cxx_prog native/cxx_prog.cpp)
  set_target_properties(native_cxx_prog PROPERTIES OUTPUT_NAME cxx_prog RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/native)
  target_compile_options(native_cxx_prog PRIVATE ${HSN_TEST_FLAGS})
  get_target_property(hsn_cxx_opts native_cxx_prog COMPILE_OPTIONS) # the C-only warnings of the top level
  list(REMOVE_ITEM hsn_cxx_opts -Wstrict-prototypes -Wmissing-prototypes)
  set_target_properties(native_cxx_prog PROPERTIES COMPILE_OPTIONS "${hsn_cxx_opts}")
  set(HSN_CXX ON)
else()
  message(STATUS "tests/native: no C++ compiler (apt-get install g++): the C++ case is skipped")
endif()

find_program(HS_VALGRIND valgrind)
set(HSN_ENV "HSN_PRELOAD=$<TARGET_FILE:heapsnap_preload>;HSJSON=$<TARGET_FILE:hsjson>;HEAPSNAP=$<TARGET_FILE:heapsnap_cli>;HSN_BIN=${CMAKE_BINARY_DIR}/native;VALGRIND=${HS_VALGRIND};HSN_CXX=${HSN_CXX};PYTHONDONTWRITEBYTECODE=1")
foreach(case GroundTruth Threads Fork Exit Signal Family Cxx Triggers Cli)
  add_test(NAME native/${case}
           COMMAND ${Python3_EXECUTABLE} -m unittest -v test_native.${case}
           WORKING_DIRECTORY ${HS_TEST_DIR}/native)
  set_tests_properties(native/${case} PROPERTIES ENVIRONMENT "${HSN_ENV}" TIMEOUT 300 SKIP_RETURN_CODE 77)
endforeach()
