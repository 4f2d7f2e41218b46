#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# An established TCP connection to an app: process service across a CRIU migration (issue
# 16), in the stock-kernel VM: socat as a TCP echo server (a plain program), steering: route
# (the VIP on the instance's node), a client in ue1 holding one connection open through the
# VIP:
# - `edgemu migrate --tcp-established` (CRIU's --tcp-established): the same connection echoes
#   at the destination, the server now there;
# - with eBPF steering tcp_established is refused before anything starts, saying why.
. "$(dirname "$0")/lib.sh"
command -v socat >/dev/null || { echo "SKIP: socat is missing (scripts/setup.sh)"; exit 77; }
command -v iptables-restore >/dev/null || { echo "SKIP: no iptables (scripts/setup.sh): criu's network lock"; exit 77; }
"$EDGEMU" check 2>&1 | grep -qE '^  cold +works' || {
	echo "SKIP: CRIU does not work here for cold: $("$EDGEMU" check 2>&1 | grep -E '^  cold')"
	exit 77
}
port=7000

scenario() { # FILE RUN STEERING
	cat >"$1" <<YAML
name: $2
nodes:
  ue1: { kind: ue }
  enb1: { kind: enb }
  edge1: { kind: edge }
  edge2: { kind: edge }
links:
  - { endpoints: [ue1, enb1], delay: 1ms }
  - { endpoints: [enb1, edge1], delay: 1ms }
  - { endpoints: [enb1, edge2], delay: 1ms }
  - { endpoints: ["edge1:bh", "edge2:bh"], delay: 5ms, rate: 100mbit }
services:
  kv:
    vip: 10.200.0.1
    app: process
    command: "socat TCP-LISTEN:$port,reuseaddr,fork EXEC:cat"
    port: $port
    at: edge1
migration: { policy: never, steering: $3 }
YAML
}

# client RUN N: a socat in ue1 connected to the VIP, its input the fifo $TMP/inN (held open on
# fd 8+N), its output $TMP/outN.
client() {
	mkfifo "$TMP/in$2"
	"$EDGEMU" exec "$1" ue1 -- socat -t 30 - "TCP:10.200.0.1:$port" <"$TMP/in$2" >"$TMP/out$2" 2>&1 &
	PIDS+=($!)
	eval "exec $((8 + $2))>\"$TMP/in$2\""
}
# echoed N LINE: LINE comes back on client N's connection within 5 s.
echoed() {
	local i
	for ((i = 0; i < 100; i++)); do
		grep -qxF "$2" "$TMP/out$1" && return 0
		sleep 0.05
	done
	return 1
}

run=$(rand_run)
RUNS+=("$run")
scenario "$TMP/r.yaml" "$run" route
"$EDGEMU" up "$TMP/r.yaml" >/dev/null || fail "up"
client "$run" 1
echo before >&9
echoed 1 before || fail "no echo before the migration: $(cat "$TMP/out1")"
"$EDGEMU" migrate "$run" kv ue1 --to edge2 --strategy cold --tcp-established --no-probe --json \
	>"$TMP/m.json" 2>"$TMP/m.err" || fail "migrate --tcp-established: $(cat "$TMP/m.json" "$TMP/m.err")"
[ "$(jq -r .served_at "$TMP/m.json")" = destination ] || fail "$(cat "$TMP/m.json")"
echo after >&9
echoed 1 after || fail "the connection did not survive --tcp-established: $(cat "$TMP/out1")"
awk '$1 == "kv" {n = $2} END {exit n != "edge2"}' "/run/edgemu/$run/instances" ||
	fail "the instance is not on edge2: $(cat "/run/edgemu/$run/instances")"
ok "--tcp-established: one connection echoes before and after (downtime $(jq -r .downtime_ms "$TMP/m.json") ms), the server on edge2"

# The client closes its end; the connection ends as any would.
exec 9>&-
for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
"$EDGEMU" exec "$run" ue1 -- ss -K dst 10.200.0.1 >/dev/null 2>&1 || true
"$EDGEMU" down "$run" >"$TMP/down.out" 2>&1 || fail "down: $(cat "$TMP/down.out"; "$EDGEMU" exec "$run" ue1 -- ss -tan 2>&1 | head)"
assert_gone "$run"

# eBPF steering: refused before anything starts.
run=$(rand_run)
RUNS+=("$run")
scenario "$TMP/e.yaml" "$run" ebpf
"$EDGEMU" up "$TMP/e.yaml" >/dev/null || fail "up (ebpf)"
err=$("$EDGEMU" migrate "$run" kv ue1 --to edge2 --strategy cold --tcp-established --no-probe 2>&1) &&
	fail "tcp_established with ebpf steering ran"
echo "$err" | grep -qF "tcp_established needs migration: {steering: route}" || fail "ebpf: $err"
[ -e "/run/edgemu/$run/criu" ] && fail "ebpf: a migration folder was made"
awk '$1 == "kv" {n = $2} END {exit n != "edge1"}' "/run/edgemu/$run/instances" || fail "ebpf: the instance moved"
ok "ebpf steering: refused: $err"
"$EDGEMU" down "$run" >/dev/null || fail "down (ebpf)"
assert_gone "$run"
