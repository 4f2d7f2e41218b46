#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: set up, build, and run the default scenario, experiments/quickstart.yaml:
# one UE drives across two cells in 30 s, its stateful service follows it from edge1 to
# edge2 with pre-copy; prints the summary; the results land in results/.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/build.sh"
edgemu=$top/build/cli/edgemu
"$edgemu" check || true
echo
echo "== edgemu run experiments/quickstart.yaml"
cd "$top"
"$edgemu" run experiments/quickstart.yaml "$@"
