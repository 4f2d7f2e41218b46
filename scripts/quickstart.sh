#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The main job: set up, build, and run the default scenario. For now: bring up
# experiments/quickstart.yaml, show it, ping across it, probe its service through the VIP,
# steer the UE to the other instance and probe again, tear it down.
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
echo "== ue1 probes the service game at its VIP 10.200.0.1, served from edge1"
"$edgemu" exec "$run" ue1 -- "$top/build/apps/edgemu-probe" 10.200.0.1 --port 7000 --interval 10ms --duration 2s
echo
echo "== steer ue1 to the instance on edge2 (behind the core: farther away), probe again"
"$edgemu" steer "$run" game ue1 edge2
"$edgemu" exec "$run" ue1 -- "$top/build/apps/edgemu-probe" 10.200.0.1 --port 7000 --interval 10ms --duration 2s
echo
echo "== edgemu down $run"
