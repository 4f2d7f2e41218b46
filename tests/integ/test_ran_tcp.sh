#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# TCP across handovers (issue 14): a UE drives across three cells while two iperf3 flows run
# from it, one to the cloud and one to an edge. The UE keeps one address the whole time (the
# flows' source, before and after every handover), neither connection breaks, and bytes get
# through in every second but those of a handover's interruption (40 ms). Run here with the
# relay; in the stock-kernel VM (vm_ran_tcp) with netem shaping the wired links.
. "$(dirname "$0")/lib.sh"
command -v iperf3 >/dev/null || fail "iperf3 is missing (scripts/setup.sh installs it)"

run=$(rand_run)
RUNS+=("$run")
cat >"$TMP/drive.yaml" <<YAML
name: rantcp
seed: 3
shaper: ${EDGEMU_SHAPER:-auto}
nodes:
  ue1:   { kind: ue }
  enb1:  { kind: enb, pos: [0, 0] }
  enb2:  { kind: enb, pos: [600, 0] }
  enb3:  { kind: enb, pos: [1200, 0] }
  edge1: { kind: edge }
  core:  { kind: router }
  cloud: { kind: cloud }
links:
  - { endpoints: [enb1, edge1], delay: 1ms }
  - { endpoints: [enb1, core], delay: 2ms }
  - { endpoints: [enb2, core], delay: 2ms }
  - { endpoints: [enb3, core], delay: 2ms }
  - { endpoints: [core, cloud], delay: 5ms }
radio:
  delay: 2ms
  tick: 50ms
  handover: { hysteresis: 3dB, ttt: 100ms, interruption: 40ms }
mobility:
  ue1: { model: waypoints, points: [[50, 0, 0s], [50, 0, 5s], [1150, 0, 19s]] }
YAML
# The drive starts at 5 s, so that the flows (started as soon as the run is up; slower in
# the VM) are under way before the first handover; they last until the end of the drive.
run_bg 1 "$run" "$TMP/drive.yaml" 26s
up_at=$SECONDS

# ue_addrs: ue1's IPv4 addresses but loopback's, as "ifname addr/plen" lines.
ue_addrs() {
	"$EDGEMU" exec "$run" ue1 -- ip -4 -o addr show | awk '$2 != "lo" {print $2, $4}'
}
before=$(ue_addrs)
[ "$(echo "$before" | wc -l)" -eq 1 ] || fail "ue1 has not exactly one address: $before"
addr=${before#* }
addr=${addr%/*}
ok "ue1 has one address: $before"

for node in cloud edge1; do
	"$EDGEMU" exec "$run" $node -- iperf3 -s -1 -J -p 5201 >"$TMP/srv.$node" 2>&1 &
	PIDS+=($!)
done
# A server is up once it listens.
for node in cloud edge1; do
	for ((i = 0; i < 200; i++)); do
		"$EDGEMU" exec "$run" $node -- ss -Htln 'sport = :5201' | grep -q . && break
		sleep 0.05
	done
done
started=$((SECONDS - up_at))
for node in cloud edge1; do
	"$EDGEMU" exec "$run" ue1 -- iperf3 -c $node -p 5201 -t 16 -i 1 -J -b "${EDGEMU_TCP_RATE:-20M}" --get-server-output \
		>"$TMP/flow.$node.json" 2>"$TMP/flow.$node.err" &
	PIDS+=($!)
	eval "client_$node=$!"
done
wait "$client_cloud" || true
wait "$client_edge1" || true
after=$(ue_addrs)
[ "$after" = "$before" ] || fail "ue1's address changed: '$before' then '$after'"
wait "$pid" || fail "the run failed: $(tail -3 "$TMP/r1.err")"

hos=$(grep -c ',handover,.*(a3)' "$TMP/res1/events.csv" || true)
[ "$hos" -ge 2 ] || fail "$hos handovers in the drive, expected 2: $(grep handover "$TMP/res1/events.csv")"
first=$(awk -F, '$2 == "handover" && /\(a3\)/ {print $1; exit}' "$TMP/res1/events.csv")
within "$started" 0 "$(calc "$first - 1")" ||
	fail "the flows started ${started} s into the run, after the first handover (${first} s)"
for node in cloud edge1; do
	f=$TMP/flow.$node.json
	jq -e . "$f" >/dev/null 2>&1 || fail "flow to $node: no JSON from iperf3: $(cat "$TMP/flow.$node.err")"
	err=$(jq -r '.error // ""' "$f")
	[ -z "$err" ] || fail "flow to $node broke: $err"
	src=$(jq -r '.start.connected[0].local_host' "$f")
	[ "$src" = "$addr" ] || fail "flow to $node came from $src, not ue1's address $addr"
	# The receiver's seconds (the server's): what got through, not what was written.
	jq -e '.server_output_json.intervals' "$f" >/dev/null || fail "flow to $node: no server output"
	n=$(jq '.server_output_json.intervals | length' "$f")
	[ "$n" -ge 15 ] || fail "flow to $node: $n intervals of 1 s, expected 16"
	zero=$(jq '[.server_output_json.intervals[] | select(.sum.bytes == 0)] | length' "$f")
	[ "$zero" -le "$hos" ] ||
		fail "flow to $node: $zero seconds without a byte, more than the $hos handovers' interruptions"
	mbps=$(jq '.end.sum_received.bits_per_second / 1e6' "$f")
	min=$(jq '[.server_output_json.intervals[].sum.bits_per_second] | min / 1e6' "$f")
	ok "flow to $node: one connection from $addr through $hos handovers, $n s, $(printf %.1f "$mbps") Mbit/s, slowest second $(printf %.2f "$min") Mbit/s, $zero seconds without a byte"
done
