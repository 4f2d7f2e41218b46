#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `edgemu up` of a radio scenario attaches each UE to its strongest cell where it stands at
# t = 0: a UE with pos: to the cell next to it, a UE on waypoints to the cell next to its
# first point, a UE out of every cell's range stays detached. Each UE has one address on its
# radio interface (ran0), from the default ue_pool 100.64.0.0/16 and its name in every node's
# hosts file, its radio shaped by the relay; attached UEs reach the edge through
# their cell (their RTT floors say the radio's delay and their cell's backhaul), the
# detached one reaches nothing. `edgemu down` leaves nothing.
. "$(dirname "$0")/lib.sh"

run=$(rand_run)
RUNS+=("$run")
cat >"$TMP/radio.yaml" <<YAML
name: upradio
nodes:
  ue1:   { kind: ue, pos: [100, 0] }
  ue2:   { kind: ue }
  ue3:   { kind: ue, pos: [100km, 0] }
  enb1:  { kind: enb, pos: [0, 0] }
  enb2:  { kind: enb, pos: [800, 0] }
  edge1: { kind: edge }
links:
  - { endpoints: [enb1, edge1], delay: 1ms }
  - { endpoints: [enb2, edge1], delay: 2ms }
radio: { delay: 4ms }
mobility:
  ue2: { model: waypoints, points: [[750, 0, 0s], [50, 0, 30s]] }
YAML
"$EDGEMU" up "$TMP/radio.yaml" --name "$run" >/dev/null 2>"$TMP/up.err" ||
	fail "up: $(cat "$TMP/up.err")"
grep -q "ue1 ([0-9.]*) at (100, 0) m: attached to enb1" "$TMP/up.err" || fail "ue1 not on enb1: $(cat "$TMP/up.err")"
grep -q "ue2 ([0-9.]*) at (750, 0) m: attached to enb2" "$TMP/up.err" || fail "ue2 not on enb2: $(cat "$TMP/up.err")"
grep -q "ue3 ([0-9.]*) at (100000, 0) m: no cell above min_signal, detached" "$TMP/up.err" ||
	fail "ue3 not detached: $(cat "$TMP/up.err")"
ok "up: ue1 on enb1, ue2 on enb2 (its first waypoint), ue3 out of range"

# src_to UE DEST: the interface and source of UE's route to DEST.
src_to() {
	"$EDGEMU" exec "$run" "$1" -- ip -4 route get "$2" |
		sed -n 's/.* dev \([^ ]*\).* src \([0-9.]*\).*/\1 \2/p'
}
"$EDGEMU" show "$run" --json >"$TMP/show.json"
addr_of() { jq -r --arg u "$1" '.nodes[] | select(.name == $u) | .ue_addr' "$TMP/show.json"; }
edge=$("$EDGEMU" exec "$run" ue1 -- getent hosts edge1 | awk '{print $1}')
for ue in ue1 ue2; do
	[ "$(src_to $ue "$edge")" = "ran0 $(addr_of $ue)" ] ||
		fail "$ue's route to edge1: $(src_to $ue "$edge"), not from $(addr_of $ue) on ran0"
done
[ "$(addr_of ue1)" != "$(addr_of ue2)" ] || fail "ue1 and ue2 share an address"
# Every UE's address from the default ue_pool, 100.64.0.0/16 (clear of the link pools), even a
# detached one's; and it is the UE's name in every node's hosts file.
for ue in ue1 ue2 ue3; do
	[[ "$(addr_of $ue)" =~ ^100\.64\.[0-9]+\.[0-9]+$ ]] ||
		fail "$ue's address '$(addr_of $ue)' is not from 100.64.0.0/16"
	for n in $ue edge1 enb2; do
		got=$("$EDGEMU" exec "$run" $n -- getent hosts $ue | awk '{print $1}' || true)
		[ "$got" = "$(addr_of $ue)" ] || fail "$n resolves $ue to '$got', not $(addr_of $ue)"
	done
done
# floor UE: the 5th percentile of 100 RTTs UE -> edge1, 10 ms apart, in ms.
floor() {
	local counts
	counts=$(ping_log "$run" "$1" edge1 100 0.01 "$TMP/ping.$1")
	[ "${counts% *}" = 100 ] && [ "${counts#* }" -ge 90 ] ||
		fail "$1 -> edge1 by name: sent/received $counts"
	awk '{print $2}' "$TMP/ping.$1" | sort -g | awk '{v[NR] = $1} END {print v[int((NR * 5 + 99) / 100)]}'
}
# ue1: 4 ms of radio and 1 ms of backhaul each way, 10 ms; ue2: 4 ms and 2 ms, 12 ms. Judged
# is the floor of the RTTs (what nothing else held up: a busy machine raises the median, a
# delay only adds), from the configured RTT less $tol (nothing comes early: fails at once)
# to 1.5 ms above it (the path's own cost, a few tenths of a millisecond, with room for an
# ASan build). Above that it is measured again, up to 4 times in all: load can hold up every
# packet of a second, a shaper that adds too much does it every time. A radio delay not
# applied, or applied twice, fails; so does ue2 served through enb1's 1 ms backhaul.
tol=${EDGEMU_RTT_TOL:-0.5}
declare -A rtt
for ue in ue1 ue2; do
	want=$([ $ue = ue1 ] && echo 10 || echo 12)
	for ((i = 1; ; i++)); do
		rtt[$ue]=$(floor $ue)
		within "${rtt[$ue]}" "$(calc "$want - $tol")" 1e9 ||
			fail "$ue -> edge1: RTT floor ${rtt[$ue]} ms, configured $want ms: too little"
		within "${rtt[$ue]}" 0 "$(calc "$want + 1.5")" && break
		[ "$i" -lt 4 ] || fail "$ue -> edge1: RTT floor ${rtt[$ue]} ms, configured $want ms: too much, $i times"
		echo "note: $ue -> edge1: RTT floor ${rtt[$ue]} ms, configured $want ms: measuring again"
	done
done
"$EDGEMU" exec "$run" ue3 -- ping -c 1 -W 1 -q edge1 >/dev/null 2>&1 && fail "ue3 reaches edge1"
ok "ue1 and ue2 ping edge1 through their cells (RTT floors ${rtt[ue1]} and ${rtt[ue2]} ms, configured 10 and 12); ue3 does not"

# show says each UE's address, cell and where its routes lead; a UE has one radio interface.
info=$(jq -r '[.nodes[] | select(.kind == "ue") | "\(.name)=\(.cell),\(.routes_to)"] | join(" ")' \
	"$TMP/show.json")
[ "$info" = "ue1=enb1,enb1 ue2=enb2,enb2 ue3=null,null" ] || fail "show's cells: $info"
ifs=$(jq -r '[.nodes[] | select(.name == "ue1") | .interfaces[] | .name] | join(" ")' "$TMP/show.json")
[ "$ifs" = "lo ran0" ] || fail "ue1's interfaces: $ifs"
"$EDGEMU" show "$run" | grep -q "^  radio      address $(addr_of ue1) on ran0; cell enb1; its routes lead to enb1$" ||
	fail "show (text) lacks ue1's cell: $("$EDGEMU" show "$run" | grep radio)"
# The routes with no next hop: the serving eNB's /32 to its UE and the UE's default, both out
# of ran0 (not taken for connected subnets), with no gateway; a detached UE's /32 on no eNB.
routes_of() { jq -c --arg n "$1" '.nodes[] | select(.name == $n) | .routes' "$TMP/show.json"; }
for ue in ue1 ue2; do
	enb=$([ $ue = ue1 ] && echo enb1 || echo enb2)
	routes_of $enb | jq -e --arg d "$(addr_of $ue)/32" 'index({dst: $d, via: null, dev: "ran0"})' \
		>/dev/null || fail "show: $enb's routes lack $ue's /32 out of ran0: $(routes_of $enb)"
	[ "$(routes_of $ue)" = '[{"dst":"0.0.0.0/0","via":null,"dev":"ran0"}]' ] ||
		fail "show: $ue's routes: $(routes_of $ue)"
done
for enb in enb1 enb2; do
	routes_of $enb | jq -e --arg d "$(addr_of ue3)/32" 'any(.dst == $d) | not' >/dev/null ||
		fail "show: $enb routes detached ue3: $(routes_of $enb)"
done
"$EDGEMU" show "$run" | sed -n '/^enb1 /,/^$/p' | grep -qx "  route      $(addr_of ue1)/32 dev ran0" ||
	fail "show (text) lacks enb1's route to ue1: $("$EDGEMU" show "$run" | sed -n '/^enb1 /,/^$/p')"
ok "show: ue1 on enb1, ue2 on enb2, ue3 on none, each with its address; the eNBs' /32s to them"

# --detached: every UE detached, show says so.
run2=$(rand_run)
RUNS+=("$run2")
"$EDGEMU" up "$TMP/radio.yaml" --name "$run2" --detached >/dev/null 2>"$TMP/up2.err" ||
	fail "up --detached: $(cat "$TMP/up2.err")"
grep -q "attached to" "$TMP/up2.err" && fail "up --detached attached UEs: $(cat "$TMP/up2.err")"
"$EDGEMU" exec "$run2" ue1 -- ping -c 1 -W 1 -q edge1 >/dev/null 2>&1 &&
	fail "ue1 reaches edge1 with --detached"
[ "$("$EDGEMU" show "$run2" --json | jq -r '.nodes[] | select(.name == "ue1") |
	"\(.cell) \(.cell_known)"')" = "null true" ] || fail "show gives detached ue1 a cell"
ok "up --detached: ue1 detached"

for r in "$run" "$run2"; do
	"$EDGEMU" down "$r" >/dev/null || fail "down $r"
	assert_gone "$r"
done
ok "down leaves nothing"
