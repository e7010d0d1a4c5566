# Unit test of the software FPU; include()d from cpu/CMakeLists.txt.
# The test compares against the host FPU, so its own translation unit must not
# let the compiler fold or contract floating-point operations.
if(RRSIM_TESTS)
  rrsim_unit_test(test_fpu
    SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_fpu.c ${CMAKE_SOURCE_DIR}/cpu/fpu.c
    LIBS m)
  set_source_files_properties(${CMAKE_SOURCE_DIR}/tests/unit/test_fpu.c
    TARGET_DIRECTORY test_fpu
    PROPERTIES COMPILE_OPTIONS "-frounding-math;-ffp-contract=off;-fno-fast-math")
  # Half precision (Zfh) and Zfa, against host double and binary128 references.
  rrsim_unit_test(test_fpu_half
    SOURCES ${CMAKE_SOURCE_DIR}/tests/unit/test_fpu_half.c ${CMAKE_SOURCE_DIR}/cpu/fpu.c
    LIBS m)
  set_source_files_properties(${CMAKE_SOURCE_DIR}/tests/unit/test_fpu_half.c
    TARGET_DIRECTORY test_fpu_half
    PROPERTIES COMPILE_OPTIONS "-frounding-math;-ffp-contract=off;-fno-fast-math")
endif()
