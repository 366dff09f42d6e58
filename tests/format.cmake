# Unit tests of the codec and the C writer API (tests/unit/test_format*.c).
add_executable(test_format unit/test_format.c)
target_link_libraries(test_format PRIVATE libheapsnap m)
add_test(NAME unit/format COMMAND test_format)

# The checked-in corpus: tests/data/bad (each with its expected error in
# EXPECTED.tsv) and tests/data/good (old and future files that must read).
add_executable(test_corpus unit/test_corpus.c)
target_link_libraries(test_corpus PRIVATE hsformat)
add_test(NAME unit/corpus COMMAND test_corpus ${HS_TEST_DIR}/data)

# Regenerates the corpus: mkbad tests/data/bad tests/data/good
add_executable(mkbad helpers/mkbad.c)
target_link_libraries(mkbad PRIVATE hsformat)

# Allocation failures: the library's allocations are wrapped at link time.
add_executable(test_alloc unit/test_alloc.c)
target_link_libraries(test_alloc PRIVATE libheapsnap)
target_link_options(test_alloc PRIVATE -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup)
add_test(NAME unit/alloc COMMAND test_alloc)
