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
# timer: ticks, status, the end), the cells' readings skipped, shaping updates per second,
# handovers, probe answers per second, and edgemu's peak resident memory and CPU time, from
# the run's summary.json.
#
# Measured from outside, since the run does not say them: the build (the command's start to
# the line edgemu prints when its clock starts, and to its run folder's meta saying
# state=up: the network alone), the teardown (the experiment's end, that clock start plus
# summary.json's duration_s, to the command's exit), and the relay process's CPU time and
# peak RSS (VmHWM), read from /proc every 0.2 s while it lives (the CPU time misses at most
# the last 0.2 s), and the time each of edgemu and the relay spent runnable but waiting for
# a CPU from the network's state=up on (/proc/PID/schedstat): lateness without it is waiting
# on something else. The load average before and after: other work on the machine
# moves every figure.
#
# To weigh scheduling priority, NICE_RELAY, NICE_EDGEMU and NICE_PROBES (unset: left alone)
# renice the relay, edgemu, and the run's probes (edgemu's edgemu-probe children) once each
# exists, e.g. NICE_RELAY=-10 NICE_PROBES=10 bench/runner.sh 30s 500 50.
#
# UPROBES=1 also says where edgemu's loop spends its time: perf uprobes on the entry and
# return of the runner's callbacks and of what they wait on (the relay's control round trips,
# the probes' start), with how many calls, their total and p50/p99/max (inclusive: a tick's
# time holds the attaches and cell readings made inside it). Each probe costs a few
# microseconds per call: the figures above move a little with it.
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

poll=0.2
# A name of our own, so that the run's folder and relay namespace are found (20 chars max).
name=bench-$$
nsname=em-$name.relay
meta=/run/edgemu/$name/meta
hz=$(getconf CLK_TCK)

# The callbacks of edgemu's loop, and what they wait on.
ufuncs="run_on_tick run_cells_tick topo_net_cells_stats_send topo_net_cells_stats_recv topo_net_ran_attach topo_net_ran_prepare
run_shapes_flush topo_net_ran_shape_many run_on_report run_on_job_poll run_on_flush topo_net_check
run_on_probes"
ugroup=bench$$
perf_pid=""
uprobes_off() {
	[ -z "$perf_pid" ] || kill -INT "$perf_pid" 2>/dev/null || true
	[ -z "${UPROBES:-}" ] || perf probe -q -d "$ugroup:*" >/dev/null 2>&1 || true
}
if [ -n "${UPROBES:-}" ]; then
	if command -v perf >/dev/null; then
		trap 'uprobes_off; rm -rf "$tmp"' EXIT
		for fn in $ufuncs; do
			perf probe -q -x "$edgemu" -a "$ugroup:$fn=$fn" >/dev/null 2>&1 &&
				perf probe -q -x "$edgemu" -a "$ugroup:$fn=$fn%return" >/dev/null 2>&1 ||
				echo "runner: no uprobe on $fn (inlined?)" >&2
		done
		perf record -q -a -e "$ugroup:*" -o "$tmp/perf.data" >/dev/null 2>"$tmp/perf.err" &
		perf_pid=$!
		sleep 1 # perf is recording by then
	else
		echo "runner: UPROBES set but no perf: not profiling" >&2
	fi
fi

echo "bench/runner: $ues UEs, $cells cells, radio tick 100 ms, probes every 100 ms, policy $policy, $duration"
read -r load0 _ </proc/loadavg
start=$EPOCHREALTIME
# Each line of edgemu's stderr stamped with when it came: the clock's start is one of them.
"$edgemu" run "$tmp/bench.yaml" --name "$name" --duration "$duration" -o "$tmp/res" --quiet \
	2> >(while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done >"$tmp/err") &
pid=$!
[ -z "${NICE_EDGEMU:-}" ] || renice -n "$NICE_EDGEMU" -p "$pid" >/dev/null
probes_niced=""
up_at="" relay="" relay_ticks="" relay_hwm="" em_wait0="" em_wait="" relay_wait0="" relay_wait=""
while kill -0 "$pid" 2>/dev/null; do
	if [ -z "$up_at" ] && [ -r "$meta" ] && grep -qx 'state=up' "$meta" 2>/dev/null; then
		up_at=$EPOCHREALTIME
	fi
	if [ -z "$relay" ] && [ -n "$up_at" ]; then
		relay=$(ip netns pids "$nsname" 2>/dev/null | head -1) || relay=""
		if [ -n "$relay" ] && [ -n "${NICE_RELAY:-}" ]; then
			renice -n "$NICE_RELAY" -p "$relay" >/dev/null
			# The relay is a session of its own: with autogroup, its group's weight is what
			# counts against the other processes, not its nice within the group.
			[ ! -w "/proc/$relay/autogroup" ] || echo "$NICE_RELAY" >"/proc/$relay/autogroup"
		fi
	fi
	if [ -n "$up_at" ] && [ -n "${NICE_PROBES:-}" ] && [ -z "$probes_niced" ]; then
		kids=$(pgrep -P "$pid" -x edgemu-probe || true)
		if [ "$(echo "$kids" | grep -c .)" -ge "$ues" ]; then
			# shellcheck disable=SC2086 # one pid a word
			renice -n "$NICE_PROBES" -p $kids >/dev/null
			probes_niced=1
		fi
	fi
	# Builtins only from here: the sampling must not load the machine it measures.
	# schedstat: time on a CPU, time runnable but waiting for one (ns), since the start.
	if [ -n "$up_at" ] && { read -r _ wait_ns _ </proc/"$pid"/schedstat; } 2>/dev/null; then
		[ -n "$em_wait0" ] || em_wait0=$wait_ns
		em_wait=$wait_ns
	fi
	if [ -n "$relay" ] && { read -r _ wait_ns _ </proc/"$relay"/schedstat; } 2>/dev/null; then
		[ -n "$relay_wait0" ] || relay_wait0=$wait_ns
		relay_wait=$wait_ns
	fi
	if [ -n "$relay" ] && [ -r "/proc/$relay/stat" ]; then
		stat="" hwm=""
		{ read -r stat </proc/"$relay"/stat; } 2>/dev/null || true
		while read -r k v _; do
			[ "$k" = "VmHWM:" ] && hwm=$v
		done </proc/"$relay"/status 2>/dev/null || true
		if [ -n "$stat" ] && [ -n "$hwm" ]; then
			read -r -a f <<<"${stat##*) }"
			# utime and stime: fields 14 and 15 of stat, 12 and 13 after "(comm) ".
			relay_ticks=$(( f[11] + f[12] ))
			relay_hwm=$hwm
		fi
	fi
	# Finer while building: the network's state=up is timed by this loop.
	if [ -n "$up_at" ]; then sleep "$poll"; else sleep 0.02; fi
done
rc=0
wait "$pid" || rc=$?
end=$EPOCHREALTIME
read -r load1 _ </proc/loadavg
# The stamper ends with edgemu's stderr; give it a moment to write its last line.
for _ in 1 2 3 4 5 6 7 8 9 10; do grep -q ' shaping by ' "$tmp/err" 2>/dev/null && break; sleep 0.1; done
[ "$rc" -eq 0 ] || { echo "runner: edgemu run failed:" >&2; tail -5 "$tmp/err" >&2; exit 1; }
wall=$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')
s=$tmp/res/summary.json
secs=$(jq -r .duration_s "$s")
printf '%-36s %s\n' "wall time (build, run, teardown)" "$(printf '%.1f s' "$wall")"
clock=$(awk '/ shaping by / {print $1; exit}' "$tmp/err")
if [ -n "$clock" ]; then
	printf '%-36s %s\n' "build (start to clock start)" "$(awk -v a="$start" -v b="$clock" 'BEGIN {printf "%.2f s", b - a}')"
else
	printf '%-36s %s\n' "build (start to clock start)" "? (no clock start line on stderr)"
fi
if [ -n "$up_at" ]; then
	printf '%-36s %s\n' "  of which the network (state=up)" "$(awk -v a="$start" -v b="$up_at" -v p=0.02 'BEGIN {printf "%.2f s (+- %s s)", b - a, p}')"
fi
if [ -n "$clock" ]; then
	printf '%-36s %s\n' "teardown (experiment end to exit)" "$(awk -v a="$clock" -v d="$secs" -v b="$end" 'BEGIN {printf "%.2f s", b - a - d}')"
fi
printf '%-36s %s\n' "experiment time" "$(printf '%.1f s' "$secs")"
printf '%-36s %s\n' "timer events" "$(jq -r .lateness_us.events "$s") ($(jq -r .lateness_us.skipped "$s") ticks skipped)"
printf '%-36s %s\n' "lateness p50 / p99 / max" "$(jq -r '"\(.lateness_us.p50) / \(.lateness_us.p99) / \(.lateness_us.max) us"' "$s")"
printf '%-36s %s\n' "cells' readings skipped" "$(jq -r '.radio.cells_skipped // "?"' "$s") (a tick's reading not asked: the one before still out)"
printf '%-36s %s\n' "shaping updates" "$(jq -r --argjson t "$secs" '"\(.shaping_updates) (\(.shaping_updates / $t | floor) per second)"' "$s")"
printf '%-36s %s\n' "handovers" "$(jq -r '[.ues[].handovers] | add' "$s")"
printf '%-36s %s\n' "probe reports" "$(jq -r --argjson t "$secs" '"\(.probe_reports) (\(.probe_reports / $t | floor) per second)"' "$s")"
printf '%-36s %s\n' "edgemu peak RSS" "$(jq -r '"\(.peak_rss_kib / 1024 * 10 | floor / 10) MiB"' "$s")"
printf '%-36s %s\n' "edgemu CPU time" "$(jq -r --argjson t "$secs" '"\(.cpu_s) s (\(.cpu_s / $t * 1000 | floor / 10)% of one core)"' "$s")"
if [ -n "$em_wait" ]; then
	printf '%-36s %s\n' "edgemu waiting for a CPU (runnable)" "$(awk -v a="$em_wait0" -v b="$em_wait" -v d="$secs" 'BEGIN {printf "%.2f s (%.2f%% of the run)", (b - a) / 1e9, (b - a) / 1e7 / d}')"
fi
if [ -n "$relay_ticks" ]; then
	printf '%-36s %s\n' "relay peak RSS" "$(awk -v k="$relay_hwm" 'BEGIN {printf "%.1f MiB", k / 1024}')"
	printf '%-36s %s\n' "relay CPU time" "$(awk -v t="$relay_ticks" -v hz="$hz" -v d="$secs" 'BEGIN {printf "%.1f s (%.1f%% of one core)", t / hz, t / hz / d * 100}')"
	[ -z "$relay_wait" ] ||
		printf '%-36s %s\n' "relay waiting for a CPU (runnable)" "$(awk -v a="$relay_wait0" -v b="$relay_wait" -v d="$secs" 'BEGIN {printf "%.2f s (%.2f%% of the run)", (b - a) / 1e9, (b - a) / 1e7 / d}')"
else
	printf '%-36s %s\n' "relay" "? (no process in namespace $nsname seen)"
fi
printf '%-36s %s\n' "load average (1 min) before / after" "$load0 / $load1"
[ -z "${NICE_RELAY:-}${NICE_EDGEMU:-}${NICE_PROBES:-}" ] ||
	printf '%-36s %s\n' "niceness relay / edgemu / probes" "${NICE_RELAY:--} / ${NICE_EDGEMU:--} / ${NICE_PROBES:--}$([ -n "$probes_niced" ] || [ -z "${NICE_PROBES:-}" ] || echo ' (probes not seen: not applied)')"
if [ -n "$perf_pid" ]; then
	kill -INT "$perf_pid"
	wait "$perf_pid" || true
	perf_pid=""
	echo "where edgemu's loop spends its time (uprobes; inclusive, microseconds):"
	# Entry and return paired per thread and function; then per function, sorted, quantiles.
	perf script -i "$tmp/perf.data" 2>/dev/null | awk -v g="$ugroup" '
		{
			for (i = 1; i <= NF; i++) if (index($i, g ":") == 1) break
			if (i > NF) next
			ev = substr($i, length(g) + 2); sub(/:$/, "", ev)
			t = $(i - 1); sub(/:$/, "", t)
			ret = sub(/__return$/, "", ev)
			k = $2 SUBSEP ev
			if (!ret) { st[k, ++n[k]] = t; next }
			if (n[k] > 0) { printf "%s %.1f\n", ev, (t - st[k, n[k]--]) * 1e6 }
		}' | sort -k1,1 -k2,2n | awk '
		function out() {
			if (c) printf "  %-22s %7d calls %9.3f s  p50 %9.1f  p99 %9.1f  max %9.1f\n",
				f, c, sum / 1e6, v[int(c * 0.5) + 1], v[int(c * 0.99) + 1], v[c]
		}
		$1 != f { out(); f = $1; c = 0; sum = 0 }
		{ v[++c] = $2; sum += $2 }
		END { out() }'
fi
