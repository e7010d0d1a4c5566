#!/usr/bin/env bash
# Configure and build rrsim into a build directory.
#   ci/build.sh [BUILD_DIR] [extra cmake args...]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-"$here/build"}
shift || true
cmake -S "$here" -B "$build" -DRRSIM_WERROR=ON "$@"
cmake --build "$build" -j"$(nproc)"
