#!/usr/bin/env bash
# Install what is missing, build, and run the whole test suite through ctest.
#   ci/test.sh             normal build in build/
#   ci/test.sh --sanitize  AddressSanitizer + UndefinedBehaviorSanitizer build in build-asan/
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/ci/setup.sh"

if [ "${1:-}" = "--sanitize" ]; then
  build="$here/build-asan"
  # The Linux test guest does not depend on how rrsim is built: share the
  # normal build's copy rather than compiling the kernel twice.
  "$here/ci/build.sh" "$build" -DRRSIM_SANITIZE=ON \
      -DRRSIM_LINUX_GUEST_DIR="$here/build/guests/linux"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
  build="$here/build"
  "$here/ci/build.sh" "$build"
fi

cd "$build"
ctest --output-on-failure -j"$(nproc)" --timeout 600
