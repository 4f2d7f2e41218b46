#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `edgemu attach`, a manual handover on a network `edgemu up` built: ue1, put on enb1 by up,
# handed over to enb2 has its routes through enb2's radio link (from its address there),
# reaches edge1 through enb2 (enb2's interface counts the frames), and show says enb2 and
# that address; detached it has no routes and reaches nothing; attached again the output
# says where from. Wrong arguments, a scenario without radio:, a run `edgemu run` owns and a
# caller without root are refused with a message, exit 1.
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
"$EDGEMU" show "$run" | grep -q "^  cell       enb1, address " || fail "show lacks ue1's cell after up"
ok "up: ue1 on enb1, the run idle"

ns=em-$run-ue1
edge=$("$EDGEMU" exec "$run" ue1 -- getent hosts edge1 | awk '{print $1}')
[ -n "$edge" ] || fail "edge1 has no address in ue1's hosts"
# rx PACKETS of enb2's interface facing ue1 (named after it).
rx_enb2() { ip netns exec "em-$run-enb2" cat /sys/class/net/ue1/statistics/rx_packets; }

# Handover to enb2: one line saying from, to, next hop, source and the kernel's time.
"$EDGEMU" attach "$run" ue1 enb2 >"$TMP/att.out" 2>"$TMP/att.err" ||
	fail "attach ue1 enb2: $(cat "$TMP/att.err")"
line=$(head -1 "$TMP/att.out")
re='^ue1: enb1 -> enb2 \(routes via ([0-9.]+), source ([0-9.]+)\), ([0-9]+) us$'
[[ $line =~ $re ]] || fail "attach's line: $line"
via=${BASH_REMATCH[1]} src=${BASH_REMATCH[2]} us=${BASH_REMATCH[3]}
grep -q "^  shaping: ue1:enb2 both ways: .* dBm, .* Mbit/s" "$TMP/att.out" ||
	fail "attach says no shaping: $(cat "$TMP/att.out")"
got=$(ip netns exec "$ns" ip -4 route get "$edge")
[[ $got == *" via $via dev enb2 src $src "* ]] || fail "ue1's route to edge1 after attach: $got"
before=$(rx_enb2)
ip netns exec "$ns" ping -c 5 -i 0.05 -W 1 -q "$edge" >/dev/null || fail "ue1 does not reach edge1 through enb2"
[ $(($(rx_enb2) - before)) -ge 5 ] || fail "enb2 did not see ue1's pings ($before -> $(rx_enb2))"
ok "attach ue1 enb2 (${us} us): routes via $via from $src, pings through enb2"

"$EDGEMU" show "$run" | grep -q "^  cell       enb2, address $src\$" ||
	fail "show (text) lacks ue1 on enb2: $("$EDGEMU" show "$run" | grep cell)"
cells=$("$EDGEMU" show "$run" --json | jq -r '.nodes[] | select(.kind == "ue") |
	"\(.name)=\(.cell),\(.cell_addr),\(.cell_recorded)"' | tr '\n' ' ')
[[ $cells == "ue1=enb2,$src,enb2 ue2=enb2,"*",enb2 " ]] || fail "show's cells: $cells"
ok "show: ue1 on enb2 at $src (recorded), ue2 still on enb2"

# Detach: no routes, nothing reached; attached again it comes from none.
"$EDGEMU" attach "$run" ue1 --detach >"$TMP/det.out" 2>"$TMP/det.err" ||
	fail "attach --detach: $(cat "$TMP/det.err")"
grep -Eq '^ue1: enb2 -> none \(routes removed\), [0-9]+ us$' "$TMP/det.out" ||
	fail "detach's line: $(cat "$TMP/det.out")"
ip netns exec "$ns" ip -4 route show | grep -q via && fail "ue1 keeps routes after detach"
ip netns exec "$ns" ping -c 1 -W 1 -q "$edge" >/dev/null 2>&1 && fail "ue1 reaches edge1 detached"
"$EDGEMU" show "$run" | grep -q "^  cell       none" || fail "show gives detached ue1 a cell"
"$EDGEMU" attach "$run" ue1 enb1 >"$TMP/att2.out" 2>&1 || fail "attach ue1 enb1: $(cat "$TMP/att2.out")"
grep -q "^ue1: none -> enb1 (routes via" "$TMP/att2.out" || fail "re-attach's line: $(cat "$TMP/att2.out")"
[[ $(ip netns exec "$ns" ip -4 route get "$edge") == *" dev enb1 "* ]] || fail "ue1 not back on enb1"
ok "detach: no routes, no ping; attached again from none to enb1"

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
