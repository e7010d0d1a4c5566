# rrsim_guest_program(NAME OUTDIR dir SOURCES src... [DEFINES -DX=Y...]
#                     [DEPENDS header...] [MARCH isa] [STANDALONE])
# Builds a bare-metal RISC-V ELF (dir/NAME.elf) for QEMU's virt board with
# riscv64-unknown-elf-gcc, linked with the guest runtime (start.S, rt.c,
# link.ld; STANDALONE: link.ld only, the program brings its own _start).
# Sets RRSIM_GUEST_CC_FOUND; without it the guest programs are not
# built (only possible with RRSIM_TESTS off: tests/prereqs.cmake requires it).
#
# rrsim_guest_lookup(NAME OUT entry...)
# Sets OUT to the value of NAME in a list of name=value entries (split at the
# first '='), or to the empty string.
include_guard(DIRECTORY)

find_program(RRSIM_GUEST_CC riscv64-unknown-elf-gcc)
if(RRSIM_GUEST_CC)
  set(RRSIM_GUEST_CC_FOUND TRUE)
else()
  set(RRSIM_GUEST_CC_FOUND FALSE)
  message(STATUS "riscv64-unknown-elf-gcc not found: guest programs are not built")
endif()

set(RRSIM_GUEST_RT_DIR ${CMAKE_CURRENT_LIST_DIR})
set(RRSIM_GUEST_CFLAGS
    -march=rv64imafdc_zicsr_zifencei -mabi=lp64d -mcmodel=medany
    -nostdlib -nostartfiles -ffreestanding -O2 -g
    # memset/memcpy in rt.c must not be turned into calls to themselves.
    -fno-tree-loop-distribute-patterns
    -Wall -Wextra -Wno-unused-parameter)
if(RRSIM_WERROR)
  list(APPEND RRSIM_GUEST_CFLAGS -Werror)
endif()

function(rrsim_guest_program name)
  cmake_parse_arguments(G "STANDALONE" "OUTDIR;MARCH" "SOURCES;DEFINES;DEPENDS" ${ARGN})
  set(rt ${RRSIM_GUEST_RT_DIR})
  set(cflags ${RRSIM_GUEST_CFLAGS})
  if(G_MARCH)
    list(TRANSFORM cflags REPLACE "^-march=.*" "-march=${G_MARCH}")
  endif()
  set(out ${G_OUTDIR}/${name}.elf)
  set(srcs ${rt}/start.S ${rt}/rt.c ${G_SOURCES})
  if(G_STANDALONE)
    set(srcs ${G_SOURCES})
  endif()
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${G_OUTDIR}
    COMMAND ${RRSIM_GUEST_CC} ${cflags} ${G_DEFINES} -I${rt}
            -T ${rt}/link.ld -Wl,--no-warn-rwx-segments -o ${out} ${srcs} -lgcc
    DEPENDS ${srcs} ${G_DEPENDS} ${rt}/link.ld ${rt}/rt.h ${rt}/rt_asm.h ${rt}/guest.cmake
    COMMENT "Building guest program ${name}.elf"
    VERBATIM)
endfunction()

function(rrsim_guest_lookup name out)
  set(value "")
  foreach(entry ${ARGN})
    string(FIND "${entry}" "=" eq)
    if(eq GREATER 0)
      string(SUBSTRING "${entry}" 0 ${eq} key)
      if(key STREQUAL name)
        math(EXPR start "${eq} + 1")
        string(SUBSTRING "${entry}" ${start} -1 value)
        break()
      endif()
    endif()
  endforeach()
  set(${out} "${value}" PARENT_SCOPE)
endfunction()
