#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/runner: the scenario runner's clock under load. Prints figures; asserts nothing.
# Needs root and a build (scripts/build.sh).
#
#   sudo bench/runner.sh [DURATION] [UES] [CELLS] [POLICY]   (default 60s 50 10 never)
#
# A generated scenario: CELLS eNBs on a grid 500 m apart, an edge behind each, a core; UES
# UEs moving by random waypoint over the grid at 5-30 m/s, each probing the service every
# 100 ms; radio tick 100 ms. Reports the event loop's lateness (p50/p99/max over every
# timer: ticks, status, the end), shaping updates per second, handovers, probe answers per
# second, and edgemu's peak resident memory and CPU time, from the run's summary.json.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
edgemu=${EDGEMU:-$top/build/cli/edgemu}
duration=${1:-60s}
ues=${2:-50}
cells=${3:-10}
policy=${4:-never}
[ "$(id -u)" -eq 0 ] || { echo "runner: needs root (it builds namespaces)" >&2; exit 1; }
[ -x "$edgemu" ] || { echo "runner: build first (scripts/build.sh)" >&2; exit 1; }
command -v jq >/dev/null || { echo "runner: needs jq (scripts/setup.sh installs it)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/edgemu-bench-runner.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

cols=$(( (cells + 1) / 2 ))
width=$(( (cols - 1) * 500 ))
{
	echo "name: bench-runner"
	echo "seed: 1"
	echo "nodes:"
	for ((c = 0; c < cells; c++)); do
		echo "  enb$c: { kind: enb, pos: [$(( (c % cols) * 500 )), $(( (c / cols) * 500 ))] }"
		echo "  edge$c: { kind: edge }"
	done
	echo "  core: { kind: router }"
	for ((u = 0; u < ues; u++)); do echo "  ue$u: { kind: ue }"; done
	echo "links:"
	for ((c = 0; c < cells; c++)); do
		echo "  - { endpoints: [enb$c, edge$c], delay: 1ms }"
		echo "  - { endpoints: [enb$c, core], delay: 5ms }"
	done
	echo "radio: { delay: 4ms, tick: 100ms, handover: { hysteresis: 3dB, ttt: 160ms, interruption: 40ms } }"
	echo "mobility:"
	for ((u = 0; u < ues; u++)); do
		echo "  ue$u: { model: random-waypoint, area: [[0, 0], [$width, 500]], speed: [5, 30], pause: 1s }"
	done
	echo "services:"
	echo "  game: { vip: 10.200.0.1, app: echo, port: 7000, at: [edge0] }"
	echo "migration: { policy: $policy }"
	echo "probes:"
	for ((u = 0; u < ues; u++)); do echo "  - { from: ue$u, to: game, interval: 100ms }"; done
} >"$tmp/bench.yaml"

echo "bench/runner: $ues UEs, $cells cells, radio tick 100 ms, probes every 100 ms, policy $policy, $duration"
start=$(date +%s.%N)
"$edgemu" run "$tmp/bench.yaml" --duration "$duration" -o "$tmp/res" --quiet 2>"$tmp/err" ||
	{ echo "runner: edgemu run failed:" >&2; tail -5 "$tmp/err" >&2; exit 1; }
wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')
s=$tmp/res/summary.json
secs=$(jq -r .duration_s "$s")
printf '%-34s %s\n' "wall time (build, run, teardown)" "$(printf '%.1f s' "$wall")"
printf '%-34s %s\n' "experiment time" "$(printf '%.1f s' "$secs")"
printf '%-34s %s\n' "timer events" "$(jq -r .lateness_us.events "$s") ($(jq -r .lateness_us.skipped "$s") ticks skipped)"
printf '%-34s %s\n' "lateness p50 / p99 / max" "$(jq -r '"\(.lateness_us.p50) / \(.lateness_us.p99) / \(.lateness_us.max) us"' "$s")"
printf '%-34s %s\n' "shaping updates" "$(jq -r --argjson t "$secs" '"\(.shaping_updates) (\(.shaping_updates / $t | floor) per second)"' "$s")"
printf '%-34s %s\n' "handovers" "$(jq -r '[.ues[].handovers] | add' "$s")"
printf '%-34s %s\n' "probe reports" "$(jq -r --argjson t "$secs" '"\(.probe_reports) (\(.probe_reports / $t | floor) per second)"' "$s")"
printf '%-34s %s\n' "edgemu peak RSS" "$(jq -r '"\(.peak_rss_kib / 1024 * 10 | floor / 10) MiB"' "$s")"
printf '%-34s %s\n' "edgemu CPU time" "$(jq -r --argjson t "$secs" '"\(.cpu_s) s (\(.cpu_s / $t * 1000 | floor / 10)% of one core)"' "$s")"
