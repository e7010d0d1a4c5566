#!/usr/bin/env bash
# Install what is missing, build, and run the whole test suite through ctest.
#   ci/test.sh             normal build in build/
#   ci/test.sh --sanitize  AddressSanitizer + UndefinedBehaviorSanitizer build in build-asan/
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/ci/setup.sh"

if [ "${1:-}" = "--sanitize" ]; then
  build="$here/build-asan"
  # The guest kernels do not depend on how rrsim is built: share the
  # normal build's copies rather than building or fetching them twice.
  "$here/ci/build.sh" "$build" -DRRSIM_SANITIZE=ON \
      -DRRSIM_LINUX_GUEST_DIR="$here/build/guests/linux" \
      -DRRSIM_DEBIAN_GUEST_DIR="$here/build/guests/debian"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
  build="$here/build"
  "$here/ci/build.sh" "$build"
fi

cd "$build"
# A skipped or not-run test counts as a failure: ctest itself reports success
# for skips (and prints them under "The following tests did not run:"), so
# the JUnit report is checked as well as the exit status.
rm -f ctest-junit.xml
set +e
ctest --output-on-failure -j"$(nproc)" --timeout 600 --output-junit ctest-junit.xml | tee ctest.log
status=${PIPESTATUS[0]}
set -e
if grep -q 'The following tests did not run' ctest.log ||
   grep -Eq '<skipped|status="(notrun|disabled)"' ctest-junit.xml; then
    echo "$(basename "$0"): FAIL: some tests were skipped or did not run (see above)" >&2
    status=1
fi
if [ ! -s ctest-junit.xml ] || ! grep -q '<testcase' ctest-junit.xml; then
    echo "$(basename "$0"): FAIL: ctest ran no tests" >&2
    status=1
fi
exit $status
