#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: set up, build, and run the default scenario. For now: bring up
# experiments/quickstart.yaml, show it, ping across it, tear it down.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/build.sh"
edgemu=$top/build/cli/edgemu
run=quickstart-$$
"$edgemu" check || true
echo
echo "== edgemu up experiments/quickstart.yaml --name $run"
"$edgemu" up "$top/experiments/quickstart.yaml" --name "$run"
trap '"$edgemu" down "$run"' EXIT
trap 'exit 130' INT TERM
"$edgemu" show "$run"
echo
echo "== ue1 pings edge1 and cloud by name"
"$edgemu" exec "$run" ue1 -- ping -c 3 -i 0.2 edge1
"$edgemu" exec "$run" ue1 -- ping -c 3 -i 0.2 cloud
echo
echo "== edgemu down $run"
