# Everything the test suite runs, checked when it is configured: a missing
# tool or firmware stops the configure with the list of what is missing,
# rather than tests that silently skip or are never registered (a suite that
# passes without running is worse than one that fails). ci/setup.sh installs
# all of it on Debian 12; configure with -DRRSIM_TESTS=OFF to build rrsim alone.
include_guard(GLOBAL)

set(_missing)
# find_program variables other CMakeLists use.
foreach(_tool RRSIM_QEMU:qemu-system-riscv64:qemu-system-misc
              RRSIM_GUEST_CC:riscv64-unknown-elf-gcc:gcc-riscv64-unknown-elf
              RRSIM_PYTHON3:python3:python3
              RRSIM_GDB:gdb-multiarch:gdb-multiarch
              RRSIM_DTC:dtc:device-tree-compiler
              RRSIM_TIMEOUT:timeout:coreutils)
  string(REPLACE ":" ";" _t ${_tool})
  list(GET _t 0 _var)
  list(GET _t 1 _prog)
  list(GET _t 2 _pkg)
  find_program(${_var} ${_prog})
  if(NOT ${_var})
    list(APPEND _missing "${_prog} (package ${_pkg})")
  endif()
endforeach()
# Firmware the end-to-end tests boot (fixed Debian paths, as in tests/e2e).
foreach(_file /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin:opensbi
              /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin:opensbi
              /usr/lib/u-boot/qemu-riscv64_smode/uboot.elf:u-boot-qemu)
  string(REPLACE ":" ";" _t ${_file})
  list(GET _t 0 _path)
  list(GET _t 1 _pkg)
  if(NOT EXISTS ${_path})
    list(APPEND _missing "${_path} (package ${_pkg})")
  endif()
endforeach()
if(_missing)
  list(JOIN _missing "\n  " _list)
  message(FATAL_ERROR "RRSIM_TESTS is on but the test suite needs what is not installed:\n"
                      "  ${_list}\n"
                      "Run ci/setup.sh, or configure with -DRRSIM_TESTS=OFF.")
endif()
