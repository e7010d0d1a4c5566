#!/usr/bin/env bash
# Install what is missing, build, and run the main job.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/ci/setup.sh"
"$here/ci/build.sh" "$here/build"
rrsim="$here/build/app/rrsim"
"$rrsim" --version
