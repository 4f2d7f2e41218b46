#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The radio access and a UE attached to a cell at run time, through topo/'s calls as the
# runner makes them: with radio:, `edgemu up --detached` gives the UE one address on its
# radio interface (ran0) and no wired or per-cell links, and the relay passes nothing of it;
# attached to enb1 it pings edge1 by name and reaches the service's VIP, enb1 routing its
# /32 out of its cell; handed over to enb2 (a probe running through the handover) it keeps
# its address, its /32 moves to enb2, and steering still sends it to edge1; detached,
# nothing answers; `edgemu down` leaves nothing. (`edgemu up` without --detached:
# test_up_radio.sh; by hand: test_attach.sh.)
. "$(dirname "$0")/lib.sh"
: "${EDGEMU_APPS:?EDGEMU_APPS must name the folder of the apps}"
: "${ATTACH_TOOL:?ATTACH_TOOL must point at tests/integ/attach_tool}"
probe=$EDGEMU_APPS/edgemu-probe
steering=${EDGEMU_STEERING:-ebpf}

run=$(rand_run)
RUNS+=("$run")
cat >"$TMP/radio.yaml" <<YAML
name: radio
nodes:
  ue1:   { kind: ue, pos: [100, 0] }
  enb1:  { kind: enb, pos: [0, 0] }
  enb2:  { kind: enb, pos: [800, 0] }
  edge1: { kind: edge }
links:
  - { endpoints: [enb1, edge1], delay: 1ms }
  - { endpoints: [enb2, edge1], delay: 2ms }
radio: { delay: 4ms }
services:
  game: { vip: 10.200.0.1, app: echo, port: 7000, at: edge1 }
migration: { steering: $steering }
YAML
"$EDGEMU" up "$TMP/radio.yaml" --name "$run" --detached >/dev/null 2>"$TMP/up.err" ||
	fail "up: $(cat "$TMP/up.err")"
grep -q "edgemu attach RUN UE CELL. attaches one" "$TMP/up.err" ||
	fail "up says nothing of attaching: $(cat "$TMP/up.err")"
grep -q "2 links" "$TMP/up.err" || fail "up: not the 2 wired links alone: $(cat "$TMP/up.err")"

# ue1's radio, as show sees it: ran0 alone, its one address, no cell.
"$EDGEMU" show "$run" --json >"$TMP/show.json"
ifs=$(jq -r '[.nodes[] | select(.name == "ue1") | .interfaces[] | select(.name != "lo") |
	"\(.name)=\(.addresses[0])"] | join(" ")' "$TMP/show.json")
addr=$(jq -r '.nodes[] | select(.name == "ue1") | .ue_addr' "$TMP/show.json")
[ "$ifs" = "ran0=$addr/32" ] || fail "ue1's interfaces: $ifs (its address $addr)"
[ "$(jq -r '.nodes[] | select(.name == "ue1") | "\(.cell) \(.cell_known)"' "$TMP/show.json")" = "null true" ] ||
	fail "show: ue1 not detached after up --detached"
"$EDGEMU" exec "$run" ue1 -- ping -c 1 -W 1 -q edge1 >/dev/null 2>&1 &&
	fail "ue1 reaches edge1 while detached"
"$EDGEMU" show "$run" | grep -q "ue1 -> edge1" || fail "ue1 is not steered to edge1 after up"
ok "up: ue1 has one address $addr on ran0, detached"

# route_of DEST: "dev X src Y" of ue1's route to DEST.
route_of() {
	"$EDGEMU" exec "$run" ue1 -- ip -4 route get "$1" |
		sed -n 's/.* dev \([^ ]*\).* src \([0-9.]*\).*/\1 \2/p'
}
# served_by: the eNBs with a route to ue1's address out of their cell (ran0).
served_by() {
	local e found=()
	for e in enb1 enb2; do
		"$EDGEMU" exec "$run" "$e" -- ip -4 route show "$addr/32" | grep -q "dev ran0" &&
			found+=("$e")
	done
	echo "${found[*]}"
}

# rtt_ok ENB MIN: ue1 pings edge1 by name; the median RTT is at least MIN ms (the radio's 4 ms
# each way and the backhaul's delay) and not much more.
rtt_ok() {
	local counts med
	counts=$(ping_log "$run" ue1 edge1 10 0.05 "$TMP/ping.$1")
	[ "$counts" = "10 10" ] || fail "attached to $1: ue1 -> edge1 ping: sent/received $counts"
	med=$(median "$TMP/ping.$1")
	within "$med" "$2" "$(calc "$2 + 8")" || fail "attached to $1: RTT $med ms, want >= $2 ms"
	echo "$med"
}

# probe_vip OUT ARGS...: a probe from ue1 to game's VIP; its JSON summary in OUT.
probe_vip() {
	local out=$1
	shift
	"$EDGEMU" exec "$run" ue1 -- "$probe" 10.200.0.1 --port 7000 --json "$out" --quiet "$@"
}

out=$("$ATTACH_TOOL" "$run" ue1 enb1) || fail "attach to enb1: $out"
ok "$out"
[[ $out == *" addr $addr "* ]] || fail "attach_tool gives another address: $out"
[ "$(route_of 10.200.0.1)" = "ran0 $addr" ] || fail "VIP route: $(route_of 10.200.0.1)"
[ "$(route_of 8.8.8.8)" = "ran0 $addr" ] || fail "default route: $(route_of 8.8.8.8)"
[ "$(served_by)" = enb1 ] || fail "eNBs routing to ue1 out of their cell: $(served_by)"
med=$(rtt_ok enb1 10)
probe_vip "$TMP/p1.json" --interval 10ms --count 100 || fail "probe through enb1"
[ "$(jq .answered "$TMP/p1.json")" -ge 95 ] || fail "through enb1: $(cat "$TMP/p1.json")"
[ "$(jq -r .instance "$TMP/p1.json")" = edge1 ] || fail "through enb1, answers from: $(jq -r .instance "$TMP/p1.json")"
ok "attached to enb1: from $addr, enb1 routes it, ping edge1 ${med} ms, probe to the VIP answered by edge1"

# Handover to enb2 while a probe runs: answers after it still come from edge1.
# The probe runs until 50 answers came before the handover and 150 after it (or 1000
# requests went unanswered): however slow the machine, each side gets its share.
"$EDGEMU" exec "$run" ue1 -- "$probe" 10.200.0.1 --port 7000 --json "$TMP/p2.json" --quiet \
	--interval 10ms --duration 120s --csv "$TMP/p2.csv" &
pid=$!
trap 'rc=$?; kill -KILL "$pid" 2>/dev/null || true; (exit $rc); cleanup' EXIT
count_since() { # EVENT NS: EVENT lines of the probe's CSV for requests sent after NS
	[ -e "$TMP/p2.csv" ] || { echo 0; return; }
	awk -F, -v e="$1" -v t="$2" '$1 == e && $3 > t {n++} END {print n + 0}' "$TMP/p2.csv"
}
for ((i = 0; i < 1200; i++)); do
	[ "$(count_since answer 0)" -ge 50 ] && break
	sleep 0.05
done
out=$("$ATTACH_TOOL" "$run" ue1 enb2) || fail "attach to enb2: $out"
t_ho=${out##* at }
for ((i = 0; i < 1200; i++)); do
	[ "$(count_since answer "$t_ho")" -ge 150 ] || [ "$(count_since send "$t_ho")" -ge 1000 ] && break
	sleep 0.05
done
kill -TERM "$pid"
wait "$pid" || fail "probe through the handover failed"
ok "$out"
[[ $out == *" addr $addr "* ]] || fail "ue1's address changed at the handover: $out"
[ "$(route_of 10.200.0.1)" = "ran0 $addr" ] || fail "VIP route after handover: $(route_of 10.200.0.1)"
[ "$(served_by)" = enb2 ] || fail "eNBs routing to ue1 out of their cell after the handover: $(served_by)"
read -r before after other <<<"$(awk -F, -v t="$t_ho" '$1 == "answer" {
	if ($3 + 0 > t + 0) a++; else b++; if ($6 != "edge1") o++ }
	END {print b + 0, a + 0, o + 0}' "$TMP/p2.csv")"
[ "$before" -ge 50 ] || fail "only $before answers before the handover"
[ "$after" -ge 150 ] || fail "only $after answers after the handover: the path did not follow ue1"
[ "$other" -eq 0 ] || fail "$other answers from an instance other than edge1"
med=$(rtt_ok enb2 12)
probe_vip "$TMP/p3.json" --interval 10ms --count 100 || fail "probe through enb2"
[ "$(jq .answered "$TMP/p3.json")" -ge 95 ] || fail "through enb2: $(cat "$TMP/p3.json")"
[ "$(jq -r .instance "$TMP/p3.json")" = edge1 ] || fail "through enb2, answers from: $(jq -r .instance "$TMP/p3.json")"
"$EDGEMU" show "$run" | grep -q "ue1 -> edge1" || fail "show: ue1 is not steered to edge1"
ok "handed over to enb2 under a probe, same address $addr ($before answers before, $after after, all from edge1); ping ${med} ms"

out=$("$ATTACH_TOOL" "$run" ue1 -) || fail "detach: $out"
ok "$out"
[ "$(route_of 10.200.0.1)" = "ran0 $addr" ] || fail "ue1's routes changed at the detach: $(route_of 10.200.0.1)"
probe_vip "$TMP/p4.json" --interval 10ms --count 30 --timeout 300ms || true
[ "$(jq .answered "$TMP/p4.json")" -eq 0 ] || fail "detached, yet answered: $(cat "$TMP/p4.json")"
# A second detach changes nothing, and that is fine.
out=$("$ATTACH_TOOL" "$run" ue1 -) || fail "second detach: $out"
ok "detached: its address and routes stay, no answers; detaching again is fine"

"$EDGEMU" down "$run"
assert_gone "$run"
[ ! -e "/sys/fs/bpf/edgemu/$run" ] || fail "pinned maps left in /sys/fs/bpf/edgemu/$run"
ok "down removed everything"
