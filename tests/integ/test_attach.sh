#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `edgemu attach`, a manual handover on a network `edgemu up` built: ue1, put on enb1 by up,
# handed over to enb2 keeps its one address, its /32 moves to enb2 (attach prints the cell,
# each route it changed, the shaping and the switch's time), it reaches edge1 through enb2
# (enb2's cell interface counts the frames, enb1's does not), and show says enb2; detached
# it keeps its address and routes and reaches nothing; attached again the output says where
# from. Wrong arguments, a scenario without radio:, a run `edgemu run` owns and a caller
# without root are refused with a message, exit 1.
. "$(dirname "$0")/lib.sh"

run=$(rand_run)
RUNS+=("$run")
cat >"$TMP/radio.yaml" <<YAML
name: attach
nodes:
  ue1:   { kind: ue, pos: [100, 0] }
  ue2:   { kind: ue, pos: [700, 0] }
  enb1:  { kind: enb, pos: [0, 0] }
  enb2:  { kind: enb, pos: [800, 0] }
  edge1: { kind: edge }
links:
  - { endpoints: [enb1, edge1], delay: 1ms }
  - { endpoints: [enb2, edge1], delay: 2ms }
radio: { delay: 4ms }
YAML
"$EDGEMU" up "$TMP/radio.yaml" --name "$run" >/dev/null 2>"$TMP/up.err" ||
	fail "up: $(cat "$TMP/up.err")"
"$EDGEMU" show | grep -q "^$run  idle" || fail "up's run is not idle: $("$EDGEMU" show)"
addr=$("$EDGEMU" show "$run" --json | jq -r '.nodes[] | select(.name == "ue1") | .ue_addr')
[[ $addr =~ ^[0-9.]+$ ]] || fail "show gives ue1 no address: $addr"
"$EDGEMU" show "$run" | grep -q "^  radio      address $addr on ran0; cell enb1; its routes lead to enb1$" ||
	fail "show lacks ue1's cell after up: $("$EDGEMU" show "$run" | grep radio)"
ok "up: ue1 ($addr) on enb1, the run idle"

ns=em-$run-ue1
edge=$("$EDGEMU" exec "$run" ue1 -- getent hosts edge1 | awk '{print $1}')
[ -n "$edge" ] || fail "edge1 has no address in ue1's hosts"
# rx ENB: packets received on ENB's cell interface.
rx() { ip netns exec "em-$run-$1" cat /sys/class/net/ran0/statistics/rx_packets; }
ue_addr() { ip netns exec "$ns" ip -4 -o addr show dev ran0 | awk '{print $4}'; }
[ "$(ue_addr)" = "$addr/32" ] || fail "ue1's ran0 holds $(ue_addr), not $addr/32"

# Handover to enb2: the cell, the routes moved on each node, the shaping, the switch's time.
"$EDGEMU" attach "$run" ue1 enb2 >"$TMP/att.out" 2>"$TMP/att.err" ||
	fail "attach ue1 enb2: $(cat "$TMP/att.err")"
line=$(head -1 "$TMP/att.out")
[ "$line" = "ue1 ($addr, the same address before and after): cell enb1 -> enb2" ] ||
	fail "attach's line: $line"
re='^  switch: ([0-9.]+) us \(the relay and the routes\)$'
[[ $(sed -n 2p "$TMP/att.out") =~ $re ]] || fail "attach says no time: $(cat "$TMP/att.out")"
us=${BASH_REMATCH[1]}
grep -q "^  routes: [0-9]* nodes\? changed, from enb1 to enb2:$" "$TMP/att.out" ||
	fail "attach says no routes: $(cat "$TMP/att.out")"
grep -q "^    enb2: $addr/32 dev ran0 (serves it)$" "$TMP/att.out" ||
	fail "attach does not say enb2 serves ue1: $(cat "$TMP/att.out")"
grep -q "^    enb1: $addr/32 " "$TMP/att.out" || fail "attach does not say enb1's route: $(cat "$TMP/att.out")"
grep -q "^  shaping: ue1's radio both ways: .* dBm from enb2, .* Mbit/s" "$TMP/att.out" ||
	fail "attach says no shaping: $(cat "$TMP/att.out")"
ip netns exec "em-$run-enb2" ip -4 route show "$addr/32" | grep -q "dev ran0" ||
	fail "enb2 has no route to ue1 out of its cell"
ip netns exec "em-$run-enb1" ip -4 route show "$addr/32" | grep -q "dev ran0" &&
	fail "enb1 still routes ue1 out of its cell"
[ "$(ue_addr)" = "$addr/32" ] || fail "ue1's address changed at the handover: $(ue_addr)"
b1=$(rx enb1) b2=$(rx enb2)
ip netns exec "$ns" ping -c 5 -i 0.05 -W 1 -q "$edge" >/dev/null || fail "ue1 does not reach edge1 through enb2"
[ $(($(rx enb2) - b2)) -ge 5 ] || fail "enb2 did not see ue1's pings ($b2 -> $(rx enb2))"
[ $(($(rx enb1) - b1)) -lt 5 ] || fail "enb1 saw ue1's pings after the handover ($b1 -> $(rx enb1))"
ok "attach ue1 enb2 (${us} us): same address $addr, its /32 on enb2, pings through enb2"

"$EDGEMU" show "$run" | grep -q "^  radio      address $addr on ran0; cell enb2; its routes lead to enb2$" ||
	fail "show (text) lacks ue1 on enb2: $("$EDGEMU" show "$run" | grep radio)"
cells=$("$EDGEMU" show "$run" --json | jq -r '.nodes[] | select(.kind == "ue") |
	"\(.name)=\(.cell),\(.cell_known),\(.routes_to)"' | tr '\n' ' ')
[ "$cells" = "ue1=enb2,true,enb2 ue2=enb2,true,enb2 " ] || fail "show's cells: $cells"
ok "show: ue1 and ue2 on enb2 (recorded, and the routes lead there)"

# Detach: the address and routes stay, nothing reached; attached again it comes from none.
"$EDGEMU" attach "$run" ue1 --detach >"$TMP/det.out" 2>"$TMP/det.err" ||
	fail "attach --detach: $(cat "$TMP/det.err")"
[ "$(head -1 "$TMP/det.out")" = "ue1 ($addr, the same address before and after): cell enb2 -> none (detached)" ] ||
	fail "detach's line: $(cat "$TMP/det.out")"
grep -q "^  routes: unchanged, still to enb2" "$TMP/det.out" || fail "detach's routes: $(cat "$TMP/det.out")"
[ "$(ue_addr)" = "$addr/32" ] || fail "ue1 lost its address at the detach: $(ue_addr)"
ip netns exec "$ns" ping -c 1 -W 1 -q "$edge" >/dev/null 2>&1 && fail "ue1 reaches edge1 detached"
"$EDGEMU" show "$run" | grep -q "; cell none (detached); its routes lead to enb2$" ||
	fail "show gives detached ue1 a cell: $("$EDGEMU" show "$run" | grep radio)"
"$EDGEMU" attach "$run" ue1 enb1 >"$TMP/att2.out" 2>&1 || fail "attach ue1 enb1: $(cat "$TMP/att2.out")"
grep -q "^ue1 ($addr, .*): cell none (detached) -> enb1$" "$TMP/att2.out" ||
	fail "re-attach's line: $(cat "$TMP/att2.out")"
grep -q "^  routes: .* changed, from enb2 to enb1:$" "$TMP/att2.out" ||
	fail "re-attach's routes: $(cat "$TMP/att2.out")"
ip netns exec "$ns" ping -c 2 -i 0.05 -W 1 -q "$edge" >/dev/null || fail "ue1 does not reach edge1 back on enb1"
ok "detach: address and routes kept, no ping; attached again from none to enb1, routes from enb2"

# refused ERE ARGS...: attach ARGS exits 1 and says ERE.
refused() {
	local ere=$1 rc=0
	shift
	"$EDGEMU" attach "$@" >/dev/null 2>"$TMP/ref.err" || rc=$?
	[ "$rc" = 1 ] || fail "attach $*: exit $rc, not 1 ($(cat "$TMP/ref.err"))"
	grep -Eq -- "$ere" "$TMP/ref.err" || fail "attach $*: $(cat "$TMP/ref.err")"
}
refused "run $run has no node 'ue9'" "$run" ue9 enb1
refused "node edge1 is not a UE" "$run" edge1 enb1
refused "node edge1 is not an eNB" "$run" ue1 edge1
refused "node ue2 is not an eNB" "$run" ue1 ue2
refused "no run named 'nosuch$run'" "nosuch$run" ue1 enb1
rc=0
setpriv --reuid=65534 --regid=65534 --clear-groups "$EDGEMU" attach "$run" ue1 enb2 \
	2>"$TMP/ref.err" || rc=$?
[ "$rc" = 1 ] && grep -q "needs root" "$TMP/ref.err" || fail "attach without root: $rc $(cat "$TMP/ref.err")"

wired=$(rand_run)
RUNS+=("$wired")
write_star "$TMP/wired.yaml" wired 3
"$EDGEMU" up "$TMP/wired.yaml" --name "$wired" >/dev/null 2>"$TMP/upw.err" ||
	fail "up wired: $(cat "$TMP/upw.err")"
refused "has no radio: section" "$wired" h1 hub
ok "refused: unknown node, not a UE, not an eNB, unknown run, no root, no radio:"

# A run `edgemu run` owns: its runner moves the UEs, attach leaves it alone.
live=$(rand_run)
RUNS+=("$live")
run_bg 1 "$live" "$TMP/radio.yaml" 60s
PIDS+=("$pid")
refused "run $live is live \(edgemu run" "$live" ue1 enb2
kill -TERM "$pid"
wait "$pid" || true
ok "refused: a run edgemu run owns"

for r in "$run" "$wired" "$live"; do
	[ -d "/run/edgemu/$r" ] && { "$EDGEMU" down "$r" >/dev/null || fail "down $r"; }
	assert_gone "$r"
done
ok "down leaves nothing"
