#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Shared cell capacity (issue 14): 1, 2, 4 and 8 UEs in one 40 Mbit/s cell, each downloading
# from the cloud with iperf3 at once, each get about capacity / N (within 25%, the issue's
# bound) and together never more than capacity + 10%. The UEs stand next to the eNB, where
# their own signal rate (100 Mbit/s) is not what holds them.
. "$(dirname "$0")/lib.sh"
command -v iperf3 >/dev/null || fail "iperf3 is missing (scripts/setup.sh installs it)"

run=$(rand_run)
RUNS+=("$run")
{
	echo "name: rancells"
	echo "nodes:"
	echo "  enb1:  { kind: enb, pos: [0, 0], capacity: 40mbit }"
	echo "  core:  { kind: router }"
	echo "  cloud: { kind: cloud }"
	for ((u = 1; u <= 8; u++)); do echo "  ue$u: { kind: ue, pos: [$((20 + 5 * u)), 0] }"; done
	echo "links:"
	echo "  - { endpoints: [enb1, core], delay: 1ms }"
	echo "  - { endpoints: [core, cloud], delay: 1ms }"
	echo "radio: { delay: 2ms }"
} >"$TMP/cells.yaml"
"$EDGEMU" up "$TMP/cells.yaml" --name "$run" >/dev/null 2>"$TMP/up.err" ||
	fail "up: $(cat "$TMP/up.err")"
[ "$(grep -c 'attached to enb1' "$TMP/up.err")" -eq 8 ] || fail "not all UEs on enb1: $(cat "$TMP/up.err")"

# One iperf3 server per UE in the cloud (a server runs one test at a time).
for ((u = 1; u <= 8; u++)); do
	"$EDGEMU" exec "$run" cloud -- iperf3 -s -p $((5200 + u)) >"$TMP/srv.$u" 2>&1 &
	PIDS+=($!)
done
for ((i = 0; i < 200; i++)); do
	[ "$("$EDGEMU" exec "$run" cloud -- ss -Htln | grep -c ':52[0-9][0-9] ')" -ge 8 ] && break
	sleep 0.05
done

# share N: N UEs download for 6 s at once; their receive rates (Mbit/s) in $TMP/rates.N,
# leaving out the first second (slow start).
share() {
	local n=$1 u pids=()
	for ((u = 1; u <= n; u++)); do
		"$EDGEMU" exec "$run" ue$u -- iperf3 -c cloud -p $((5200 + u)) -t 6 -i 1 -J -R \
			>"$TMP/dl.$n.$u.json" 2>&1 &
		pids+=($!)
	done
	for u in "${pids[@]}"; do wait "$u" || true; done
	: >"$TMP/rates.$n"
	for ((u = 1; u <= n; u++)); do
		jq -e '.error | not' "$TMP/dl.$n.$u.json" >/dev/null 2>&1 ||
			fail "$n UEs: ue$u's download failed: $(head -c 300 "$TMP/dl.$n.$u.json")"
		jq '[.intervals[1:][].sum.bits_per_second] | add / length / 1e6' \
			"$TMP/dl.$n.$u.json" >>"$TMP/rates.$n"
	done
}
for n in 1 2 4 8; do
	share $n
	want=$(calc "40 / $n")
	sum=$(awk '{s += $1} END {print s}' "$TMP/rates.$n")
	while read -r rate; do
		within "$rate" "$(calc "$want * 0.75")" "$(calc "$want * 1.25")" ||
			fail "$n UEs in a 40 Mbit/s cell: one got $rate Mbit/s, expected $want +- 25% (all: $(tr '\n' ' ' <"$TMP/rates.$n"))"
	done <"$TMP/rates.$n"
	within "$sum" 0 44 || fail "$n UEs: $sum Mbit/s in all, above capacity + 10%"
	ok "$n UEs in a 40 Mbit/s cell: $(awk '{printf "%.1f ", $1}' "$TMP/rates.$n")Mbit/s each, $(printf %.1f "$sum") in all"
done
