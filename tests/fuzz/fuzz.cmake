# rrsim_fuzzer(NAME SOURCES ...): a libFuzzer executable built with clang
# (-fsanitize=fuzzer,address,undefined) next to the main build, whatever the
# main compiler is, plus a ctest entry (label "fuzz") that runs it for
# RRSIM_FUZZ_SECONDS. With the tests on, a clang that cannot build a libFuzzer
# binary stops the configure (Debian: packages clang and libclang-rt-14-dev);
# -DRRSIM_FUZZ=OFF leaves the harnesses out on purpose.
include_guard(GLOBAL)

option(RRSIM_FUZZ "Build libFuzzer harnesses when clang supports them" ON)
set(RRSIM_FUZZ_SECONDS 30 CACHE STRING "Time each fuzzer runs under ctest")

# Probed again at every configure until it works (a clang installed later is found).
if(RRSIM_FUZZ AND NOT RRSIM_HAVE_LIBFUZZER)
  find_program(RRSIM_CLANG NAMES clang clang-16 clang-15 clang-14)
  set(_ok FALSE)
  if(RRSIM_CLANG)
    set(_dir ${CMAKE_BINARY_DIR}/fuzz-check)
    file(MAKE_DIRECTORY ${_dir})
    file(WRITE ${_dir}/probe.c
         "#include <stddef.h>\n#include <stdint.h>\n"
         "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n")
    execute_process(COMMAND ${RRSIM_CLANG} -fsanitize=fuzzer,address,undefined
                            ${_dir}/probe.c -o ${_dir}/probe
                    RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET)
    if(_rc EQUAL 0)
      set(_ok TRUE)
    endif()
  endif()
  set(RRSIM_HAVE_LIBFUZZER ${_ok} CACHE INTERNAL "clang can build libFuzzer binaries")
  if(_ok)
    message(STATUS "libFuzzer harnesses: enabled (${RRSIM_CLANG})")
  endif()
endif()
if(RRSIM_FUZZ AND RRSIM_TESTS AND NOT RRSIM_HAVE_LIBFUZZER)
  message(FATAL_ERROR "RRSIM_FUZZ is on but clang cannot build libFuzzer binaries: run "
                      "ci/setup.sh (clang, libclang-rt-14-dev) or configure with -DRRSIM_FUZZ=OFF.")
endif()

function(rrsim_fuzzer name)
  cmake_parse_arguments(F "" "" "SOURCES" ${ARGN})
  # The harness carries its own sanitizers: a RRSIM_SANITIZE build would
  # only run the same fuzzing twice.
  if(NOT RRSIM_FUZZ OR NOT RRSIM_HAVE_LIBFUZZER OR RRSIM_SANITIZE)
    return()
  endif()
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${name})
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${RRSIM_CLANG} -std=gnu17 -g -O1 -fsanitize=fuzzer,address,undefined
            -fno-sanitize-recover=undefined -D_GNU_SOURCE -DRRSIM_VERSION="${PROJECT_VERSION}"
            -I${CMAKE_SOURCE_DIR} ${F_SOURCES} -o ${out}
    DEPENDS ${F_SOURCES}
    IMPLICIT_DEPENDS C ${F_SOURCES}
    COMMENT "Building libFuzzer harness ${name}"
    VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${out})
  set(corpus ${CMAKE_CURRENT_BINARY_DIR}/${name}-corpus)
  add_test(NAME ${name}
           COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
                   ${out} -max_total_time=${RRSIM_FUZZ_SECONDS} -seed=1 -max_len=4096
                   -print_final_stats=1 ${corpus} ${CMAKE_SOURCE_DIR}/tests/fuzz/corpus/${name})
  set_tests_properties(${name} PROPERTIES LABELS fuzz
                       TIMEOUT 300
                       FIXTURES_REQUIRED ${name}_corpus)
  add_test(NAME ${name}_corpus COMMAND ${CMAKE_COMMAND} -E make_directory ${corpus})
  set_tests_properties(${name}_corpus PROPERTIES LABELS fuzz FIXTURES_SETUP ${name}_corpus)
endfunction()
