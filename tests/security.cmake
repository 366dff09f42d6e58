# tests/security/: one regression case per defect of issue 19 (hardening),
# named after the defect. Shell cases (<defect>.sh, run by
# tests/security/run.sh in a temporary folder, asserting exit codes and the
# one-line messages), C cases over the library, and Python ones in
# tests/python/test_hardening.py. A case joins HS_SECURITY_CASES when its
# defect is fixed; HS_SECURITY_PENDING lists those written first, whose fix
# is still to come (they are not run, so the suite stays green).
foreach(t outfile writer_long_string)
  add_executable(security_${t} security/${t}.c)
  target_link_libraries(security_${t} PRIVATE libheapsnap)
  add_test(NAME security/${t} COMMAND security_${t})
endforeach()

