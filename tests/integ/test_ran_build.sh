#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The radio access network as the builder makes it (issue 14), through topo/'s calls
# (ran_tool): the quickstart built with its service; ue1 has one address on one NOARP radio
# interface; attached to enb1 it pings the cloud and reaches the service's VIP; every cell's
# counters in one call, both ways shaped in one call; moved to enb2
# it does both again from the same address, while the core's route to it moved and the
# cells' counters count the pings; detached, nothing answers. Then `edgemu clean` after a
# SIGKILL, in the middle of a build and of a built run with its relay: nothing is left.
# EDGEMU_STEERING=route: the same with the route strategy. EDGEMU_SHAPER=netem (the
# stock-kernel VM): checks that netem shapes the wired links (the relay serves the radio).
#
# clean acts on the whole machine: the test runs in a mount namespace of its own
# (isolate.sh), so that it sees only its own runs.
. "$(dirname "$0")/isolate.sh"
. "$(dirname "$0")/lib.sh"
# In the VM only EDGEMU_* variables pass: there the tool is found in the build tree.
RAN_TOOL=${RAN_TOOL:-${EDGEMU_BUILD:+$EDGEMU_BUILD/tests/integ/ran_tool}}
: "${RAN_TOOL:?RAN_TOOL must point at tests/integ/ran_tool}"
need_apps probe svc
probe=$EDGEMU_APPS/edgemu-probe
steering=${EDGEMU_STEERING:-ebpf}

run=$(rand_run)
RUNS+=("$run")
sed "s/steering: ebpf/steering: $steering/" "$EDGEMU_SRC/experiments/quickstart.yaml" \
	>"$TMP/quick.yaml"
grep -q "steering: $steering" "$TMP/quick.yaml" || fail "quickstart.yaml has no steering: key"
out=$("$RAN_TOOL" up "$TMP/quick.yaml" "$run" --services) || fail "up: $out"
shaper=$(sed -n 's/^shaper=//p' "/run/edgemu/$run/meta")
[ -z "${EDGEMU_SHAPER:-}" ] || [ "$shaper" = "$EDGEMU_SHAPER" ] ||
	fail "the wired links are shaped by $shaper, not $EDGEMU_SHAPER"
ok "$out; wired links: $shaper; radio: the relay"

in_ns() { # NODE CMD...: CMD in NODE's namespace (the hosts file of the run)
	local node=$1
	shift
	ip netns exec "em-$run-$node" "$@"
}

# One radio interface, NOARP, with one address; the eNBs' cell interfaces NOARP, no address.
addrs=$(in_ns ue1 ip -4 -o addr show dev ran0 | awk '{print $4}')
[ "$(wc -l <<<"$addrs")" -eq 1 ] && [ "${addrs##*/}" = 32 ] || fail "ue1's ran0 addresses: $addrs"
ue_addr=${addrs%/32}
[ "$(in_ns ue1 ip -4 -o addr show | grep -vc ' lo ')" -eq 1 ] ||
	fail "ue1 has other addresses: $(in_ns ue1 ip -4 -o addr show)"
for node in ue1 enb1 enb2; do
	in_ns "$node" ip -o link show ran0 | grep -q 'NOARP.*UP' ||
		fail "$node's ran0 is not up and NOARP: $(in_ns "$node" ip -o link show ran0)"
done
[ -z "$(in_ns enb1 ip -4 -o addr show dev ran0)" ] || fail "enb1's ran0 has an address"
routes=$(in_ns ue1 ip -4 route show | sed 's/ *$//')
[ "$routes" = "default dev ran0 proto static scope link src $ue_addr" ] || fail "ue1's routes: $routes"
ok "ue1: one address $ue_addr on ran0 (NOARP), default route out of it; cells' ran0 NOARP"

cloud=$(awk '$2 == "cloud" {print $1}' "/run/edgemu/$run/etc/hosts")
[ -n "$cloud" ] || fail "no cloud in the run's hosts file"
src_to_cloud() { in_ns ue1 ip -4 route get "$cloud" | sed -n 's/.* src \([0-9.]*\).*/\1/p'; }
pings() { # COUNT: received of COUNT pings from ue1 to the cloud, by name
	{ in_ns ue1 ping -n -c "$1" -i 0.2 -W 2 cloud 2>&1 || true; } |
		awk '/packets transmitted/ {print $4}'
}
stat_of() { # ENB FIELD: one counter of the cell
	"$RAN_TOOL" stats "$run" "$1" | awk -v f="$2" '{for (i = 1; i < NF; i++) if ($i == f) print $(i + 1)}'
}
probe_vip() { # OUT: 20 requests from ue1 to the game's VIP; 0 when most were answered
	in_ns ue1 "$probe" 10.200.0.1 --port 7000 --json "$1" --quiet --interval 20ms --count 20 ||
		return 1
	[ "$(jq .answered "$1")" -ge 15 ]
}

# Attached to enb1.
out=$("$RAN_TOOL" attach "$run" ue1 enb1) || fail "attach to enb1: $out"
ok "$out"
[ "$(src_to_cloud)" = "$ue_addr" ] || fail "ue1 -> cloud leaves from $(src_to_cloud)"
n=$(pings 10)
[ "$n" -ge 8 ] || fail "ue1 -> cloud through enb1: $n of 10 answered"
# The radio's 4 ms each way (radio.delay, topo_net_ran_shape both ways): to enb1 itself,
# nothing else on the path.
counts=$(ping_log "$run" ue1 enb1 10 0.05 "$TMP/ping.enb1")
[ "$counts" = "10 10" ] || fail "ue1 -> enb1: sent/received $counts"
med=$(median "$TMP/ping.enb1")
within "$med" 8 20 || fail "ue1 -> enb1: RTT $med ms, want the radio's 2 x 4 ms"
core1=$(in_ns core ip -4 route show "$ue_addr/32")
grep -q via <<<"$core1" || fail "core has no route to ue1 through a next hop: '$core1'"
in_ns enb1 ip -4 route show "$ue_addr/32" | grep -q "dev ran0" ||
	fail "enb1's route to ue1: $(in_ns enb1 ip -4 route show "$ue_addr/32")"
up1=$(stat_of enb1 up_pkts)
down1=$(stat_of enb1 down_pkts)
[ "$up1" -ge "$n" ] && [ "$down1" -ge "$n" ] || fail "enb1 counted up $up1 down $down1, $n pings"
[ "$(stat_of enb1 ues)" = 1 ] && [ "$(stat_of enb2 ues)" = 0 ] || fail "cells' UEs: $(stat_of enb1 ues) $(stat_of enb2 ues)"
probe_vip "$TMP/p1.json" || fail "the VIP through enb1: $(cat "$TMP/p1.json")"
inst1=$(jq -r .instance "$TMP/p1.json")
ok "through enb1: $n/10 pings from $ue_addr (RTT to enb1 $med ms), core '$core1', enb1 up $up1 down $down1, VIP answered by $inst1"

# Every cell's counters in one call are those of one call per cell (nothing flows meanwhile).
cells=$("$RAN_TOOL" cells "$run") || fail "cells: $cells"
single=$(for enb in $(awk '{print $1}' <<<"$cells"); do echo "$enb $("$RAN_TOOL" stats "$run" "$enb")"; done)
[ "$cells" = "$single" ] || fail "the cells' counters in one call: $cells; one by one: $single"
[ "$(wc -l <<<"$cells")" -ge 2 ] || fail "the cells' counters: $cells"
# Both ways shaped in one call: 10 ms up and 20 ms down to enb1, then back to 4 ms each.
out=$("$RAN_TOOL" shape "$run" ue1 10 20) || fail "shape: $out"
counts=$(ping_log "$run" ue1 enb1 10 0.05 "$TMP/ping.shaped")
[ "$counts" = "10 10" ] || fail "ue1 -> enb1 shaped: sent/received $counts"
med2=$(median "$TMP/ping.shaped")
within "$med2" 29 42 || fail "ue1 -> enb1 with 10 ms up and 20 ms down: RTT $med2 ms"
"$RAN_TOOL" shape "$run" ue1 4 4 >/dev/null || fail "shaping ue1 back"
msg=$("$RAN_TOOL" shape "$run" enb1 1 1 2>&1) && fail "enb1 shaped as a UE"
[[ $msg == *"enb1 is not a radio UE"* ]] || fail "shaping enb1: $msg"
ok "the counters of $(wc -l <<<"$cells") cells in one call, as one by one; $out (10 ms up, 20 ms down: RTT $med2 ms); an eNB refused"

# Moved to enb2: the same address, other routes.
out=$("$RAN_TOOL" attach "$run" ue1 enb2) || fail "attach to enb2: $out"
ok "$out"
[ "$(in_ns ue1 ip -4 -o addr show dev ran0 | awk '{print $4}')" = "$ue_addr/32" ] ||
	fail "ue1's address changed: $(in_ns ue1 ip -4 -o addr show dev ran0)"
[ "$(src_to_cloud)" = "$ue_addr" ] || fail "after the handover ue1 -> cloud leaves from $(src_to_cloud)"
up2=$(stat_of enb2 up_pkts)
n=$(pings 10)
[ "$n" -ge 8 ] || fail "ue1 -> cloud through enb2: $n of 10 answered"
core2=$(in_ns core ip -4 route show "$ue_addr/32")
grep -q via <<<"$core2" && [ "$core2" != "$core1" ] || fail "core's route to ue1: '$core1', then '$core2'"
in_ns enb2 ip -4 route show "$ue_addr/32" | grep -q "dev ran0" ||
	fail "enb2's route to ue1: $(in_ns enb2 ip -4 route show "$ue_addr/32")"
in_ns enb1 ip -4 route show "$ue_addr/32" | grep -q ran0 && fail "enb1 still routes ue1 to its cell"
[ "$(stat_of enb2 up_pkts)" -ge $((up2 + n)) ] && [ "$(stat_of enb2 down_pkts)" -ge "$n" ] ||
	fail "enb2 counted up $(stat_of enb2 up_pkts) (from $up2) down $(stat_of enb2 down_pkts), $n pings"
[ "$(stat_of enb1 ues)" = 0 ] && [ "$(stat_of enb2 ues)" = 1 ] || fail "cells' UEs after the move"
probe_vip "$TMP/p2.json" || fail "the VIP through enb2: $(cat "$TMP/p2.json")"
[ "$(jq -r .instance "$TMP/p2.json")" = "$inst1" ] ||
	fail "through enb2 the VIP is answered by $(jq -r .instance "$TMP/p2.json"), before by $inst1"
ok "through enb2: $n/10 pings from $ue_addr, core '$core2', VIP still answered by $inst1"

# Detached: the relay drops ue1's frames.
out=$("$RAN_TOOL" attach "$run" ue1 -) || fail "detach: $out"
ok "$out"
n=$(pings 3)
[ "$n" = 0 ] || fail "ue1 detached, yet $n pings answered"
[ "$(stat_of enb2 ues)" = 0 ] || fail "enb2 still counts ue1 after the detach"
out=$("$RAN_TOOL" down "$run") || fail "down: $out"
assert_gone "$run"
ok "detached: nothing answers; $out, nothing left"

# SIGKILL in the middle of a build with 120 UEs and 12 cells, then clean.
n_ue=120
n_enb=12
run2=$(rand_run)
RUNS+=("$run2")
{
	echo "name: $run2"
	echo "nodes:"
	echo "  core: { kind: router }"
	for ((i = 1; i <= n_enb; i++)); do echo "  enb$i: { kind: enb, pos: [$((i * 500)), 0] }"; done
	for ((i = 1; i <= n_ue; i++)); do echo "  ue$i: { kind: ue, pos: [$((i * 50)), 10] }"; done
	echo "links:"
	for ((i = 1; i <= n_enb; i++)); do echo "  - { endpoints: [core, enb$i], delay: 1ms }"; done
	echo "radio: { delay: 4ms }"
} >"$TMP/big.yaml"
"$RAN_TOOL" hold "$TMP/big.yaml" "$run2" >"$TMP/hold2.out" 2>&1 &
pid=$!
PIDS+=("$pid")
wait_building "$run2" "$pid" || fail "the build did not start: $(cat "$TMP/hold2.out")"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
grep -q '^state=building' "/run/edgemu/$run2/meta" ||
	fail "the build ended before the kill; make the scenario bigger"
"$EDGEMU" clean >"$TMP/clean2.out" || fail "clean: $(cat "$TMP/clean2.out")"
grep -q "^run $run2: removed" "$TMP/clean2.out" || fail "clean did not remove $run2: $(cat "$TMP/clean2.out")"
assert_gone "$run2"
ip netns list | grep -q "^em-$run2" && fail "the relay's namespace of $run2 is left"
ok "killed in the middle of its build, $run2 is removed by clean"

# SIGKILL of the owner of a built run, its relay serving the ports, then clean.
run3=$(rand_run)
RUNS+=("$run3")
sed "s/^name: .*/name: $run3/" "$TMP/big.yaml" >"$TMP/big3.yaml"
"$RAN_TOOL" hold "$TMP/big3.yaml" "$run3" >"$TMP/hold3.out" 2>&1 &
pid=$!
PIDS+=("$pid")
for ((i = 0; i < 6000; i++)); do
	grep -q "^holding" "$TMP/hold3.out" && break
	kill -0 "$pid" 2>/dev/null || fail "hold ended: $(cat "$TMP/hold3.out")"
	sleep 0.01
done
grep -q "^holding" "$TMP/hold3.out" || fail "the run was not built: $(cat "$TMP/hold3.out")"
relay=$(ip netns pids "em-$run3.relay")
[ -n "$relay" ] || fail "no relay in em-$run3.relay"
ports=$(ip netns exec "em-$run3.relay" ip -o link show | grep -c ': [uc][0-9]*@' || true)
[ "$ports" -eq $((n_ue + n_enb)) ] || fail "the relay's namespace has $ports radio access ports"

kill -9 "$pid"
wait "$pid" 2>/dev/null || true
"$EDGEMU" clean >"$TMP/clean3.out" || fail "clean: $(cat "$TMP/clean3.out")"
grep -q "^run $run3: removed" "$TMP/clean3.out" || fail "clean did not remove $run3: $(cat "$TMP/clean3.out")"
assert_gone "$run3"
ip netns list | grep -q "^em-$run3" && fail "the relay's namespace of $run3 is left"
# Gone, or a zombie its new parent has not reaped yet: either way it runs no more.
state=$(sed 's/.*) \([A-Z]\).*/\1/' "/proc/$relay/stat" 2>/dev/null || true)
[ -z "$state" ] || [ "$state" = Z ] || fail "the relay (pid $relay) of $run3 is still running ($state)"
ok "killed once built, $run3 and its relay (pid $relay) are removed by clean"
