# Unit tests of the codec and the C writer API (tests/unit/test_format*.c).
add_executable(test_format unit/test_format.c)
target_link_libraries(test_format PRIVATE libheapsnap m)
add_test(NAME unit/format COMMAND test_format)
