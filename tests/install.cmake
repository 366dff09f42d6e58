# tests/install.cmake — what a C user does with an installed heapsnap:
# `cmake --install` this build into a temporary prefix, then build
# dump/examples/example.c against it with pkg-config (the shared library,
# and the static one alone, as Libs/Requires.private give it) and with
# find_package(heapsnap) (heapsnap::heapsnap and heapsnap::heapsnap_static),
# run each, and read its dump with the installed CLI (tests/install/consumers.sh).
if(HS_SANITIZE OR HS_FUZZ)
  # an installed sanitized library needs the sanitizer runtime in every consumer; the release build tests packaging
  add_test(NAME install/skipped
           COMMAND ${CMAKE_COMMAND} -E echo "SKIPPED: install/consumers runs in the release build (an ASan library needs the ASan runtime in each consumer)")
  set_tests_properties(install/skipped PROPERTIES SKIP_REGULAR_EXPRESSION "SKIPPED")
  return()
endif()
add_test(NAME install/consumers
         COMMAND bash ${HS_TEST_DIR}/install/consumers.sh ${CMAKE_BINARY_DIR} ${PROJECT_SOURCE_DIR}/dump/examples/example.c
                 ${CMAKE_C_COMPILER} ${CMAKE_COMMAND} "${CMAKE_GENERATOR}" ${CMAKE_MAKE_PROGRAM})
set_tests_properties(install/consumers PROPERTIES TIMEOUT 300)
