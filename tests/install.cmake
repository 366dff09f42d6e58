# tests/install.cmake — what a C user does with an installed heapsnap:
# `cmake --install` this build into a temporary prefix, then build
# dump/examples/example.c against it with pkg-config (the shared library,
# and the static one alone, as Libs/Requires.private give it) and with
# find_package(heapsnap) (heapsnap::heapsnap and heapsnap::heapsnap_static),
# run each, and read its dump with the installed CLI (tests/install/consumers.sh).
add_test(NAME install/consumers
         COMMAND bash ${HS_TEST_DIR}/install/consumers.sh ${CMAKE_BINARY_DIR} ${PROJECT_SOURCE_DIR}/dump/examples/example.c
                 ${CMAKE_C_COMPILER} ${CMAKE_COMMAND} "${CMAKE_GENERATOR}" ${CMAKE_MAKE_PROGRAM})
set_tests_properties(install/consumers PROPERTIES TIMEOUT 300)
