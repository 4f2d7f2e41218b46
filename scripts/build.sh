#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Set up (packages) and build edgemu into build/ (or $1), warnings as errors.
# Extra arguments go to cmake's configure step (e.g. -DEDGEMU_ASAN=ON).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/build}
shift || true
"$top/scripts/setup.sh"
cmake -S "$top" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)" -- --no-print-directory >/dev/null
