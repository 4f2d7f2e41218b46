#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The relay serving a radio access network for real (issue 14): a relay namespace with one port
# per UE and one per cell, four UEs with one address each and two eNBs, all radio interfaces
# NOARP with the MACs of emu_ran_mac (tests/integ/ran_relay.c serves and drives the relay).
# Attach, a handover keeping the UE's address, a detach, the cells' counters, batches (many
# cells' counters or many shapings in one request, split when large; a batch's shapings applied
# in order up to a bad one), the control round trip (and many cells' counters in one request
# against one each, 100 cell ports), four TCP flows sharing a 40 Mbit/s cell. Nothing is left
# behind.
. "$(dirname "$0")/lib.sh"
: "${RAN_RELAY:?RAN_RELAY must point at the ran_relay binary (run this through ctest)}"

P=rr$(printf '%06x' $((RANDOM * 32768 + RANDOM & 0xffffff)))
X=$((RANDOM % 250 + 1))
CTL=$TMP/relay.sock
N_UES=4
SERVE_PID='' SERVE2_PID=''
ue_addr() { echo "10.201.$X.$(($1 + 1))"; }
enb_addr() { echo "10.202.$X.$(($1 + 1))"; }
NSS=("$P-r" "$P-e0" "$P-e1" "$P-k")
for ((i = 0; i < N_UES; i++)); do NSS+=("$P-u$i"); done

ran_cleanup() {
	for pid in "$SERVE_PID" "$SERVE2_PID"; do
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid"
			wait "$pid" 2>/dev/null
		fi
	done
	for ns in "${NSS[@]}"; do
		[ -e "/run/netns/$ns" ] && ip netns del "$ns"
	done
	return 0
}
trap 'rc=$?; set +e; ran_cleanup; (exit $rc); cleanup' EXIT

rr() { "$RAN_RELAY" "$@"; }
# stat CELL KEY: one counter of a cell
stat() { rr stats "$CTL" "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

for ns in "${NSS[@]}"; do
	ip netns add "$ns"
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n "$ns" link set lo up
done
# A radio interface ran0 in namespace $1 with MAC $2, its relay port $3.
radio() {
	ip link add name ran0 address "$2" netns "$1" type veth peer name "$3" netns "$P-r"
	ip -n "$1" link set ran0 arp off up
	ip -n "$P-r" link set "$3" up
	rr offloads "$1" ran0
}
for ((i = 0; i < N_UES; i++)); do
	radio "$P-u$i" "$(rr mac 0 $i)" "u$i"
	ip -n "$P-u$i" addr add "$(ue_addr $i)/32" dev ran0
	ip -n "$P-u$i" route add default dev ran0
done
for c in 0 1; do
	radio "$P-e$c" "$(rr mac 1 $c)" "c$c"
	ip -n "$P-e$c" addr add "$(enb_addr $c)/32" dev ran0
	for ((i = 0; i < N_UES; i++)); do
		ip -n "$P-e$c" route add "$(ue_addr $i)/32" dev ran0
	done
done

# Not through rr: $! must be the relay itself.
"$RAN_RELAY" serve "$P-r" "$CTL" "$(ue_addr 0)" "$N_UES" 2 40 x2 >"$TMP/serve.out" 2>"$TMP/serve.err" &
SERVE_PID=$!
for ((i = 0; i < 200; i++)); do
	[ -s "$TMP/serve.out" ] && break
	kill -0 "$SERVE_PID" 2>/dev/null || fail "the relay exited: $(cat "$TMP/serve.err")"
	sleep 0.05
done
[ -s "$TMP/serve.out" ] || fail "the relay did not come up"
ok "relay up: $N_UES UE ports, 2 cell ports"

ping_ok() { ip netns exec "$P-u$1" ping -n -c 3 -i 0.2 -W 2 "$2" >/dev/null; }

# Before any attach: nothing passes.
ping_ok 0 "$(enb_addr 0)" && fail "UE 0 reaches eNB 0 before it is attached"
[ "$(rr attach "$CTL" 0 0)" = -1 ] || fail "first attach: last cell is not -1"
ping_ok 0 "$(enb_addr 0)" || fail "UE 0 attached to cell 0 does not reach eNB 0"
ok "UE 0 on cell 0 reaches eNB 0 ($(enb_addr 0)) from $(ue_addr 0)"

[ "$(rr attach "$CTL" 0 1)" = 0 ] || fail "handover: last cell is not 0"
ping_ok 0 "$(enb_addr 1)" || fail "UE 0 attached to cell 1 does not reach eNB 1"
ip -n "$P-u0" -4 -o addr show dev ran0 | grep -q " $(ue_addr 0)/32 " || fail "UE 0's address changed"
ok "after the handover UE 0 reaches eNB 1 with the same address $(ue_addr 0)"

# min RTT in ms of 20 pings from UE $1 to $2
rtt_min() { ip netns exec "$P-u$1" ping -n -q -c 20 -i 0.05 -W 2 "$2" | sed -n 's|.* = \([0-9.]*\)/.*|\1|p'; }
base=$(rtt_min 0 "$(enb_addr 1)")
[ -n "$base" ] || fail "no RTT through the relay"
# The UE's radio shaped through the control socket: 10 ms up, 20 ms down.
rr shape "$CTL" 0 0 delay=10
rr shape "$CTL" 0 1 delay=20
v=$(rtt_min 0 "$(enb_addr 1)")
within "$(calc "$v - $base")" 29.5 32 || fail "10 ms up and 20 ms down: min RTT $v ms, $base ms unshaped"
rr shape "$CTL" 0 0
rr shape "$CTL" 0 1
msg=$(rr shape "$CTL" 0 2 delay=1 2>&1) && fail "shape of direction 2 succeeded"
ok "UE 0's radio: min RTT $base ms unshaped, $v ms with 10 ms up and 20 ms down"

for c in 0 1; do
	up=$(stat $c up_pkts) down=$(stat $c down_pkts)
	[ "$up" -ge 3 ] && [ "$down" -ge 3 ] || fail "cell $c: up $up, down $down packets"
done
[ "$(stat 0 ues)" = 0 ] && [ "$(stat 1 ues)" = 1 ] || fail "attached UEs: $(stat 0 ues), $(stat 1 ues)"
ok "counters: cell 0 up $(stat 0 up_pkts) down $(stat 0 down_pkts), cell 1 up $(stat 1 up_pkts) down $(stat 1 down_pkts); UEs 0 and 1"

before=$(stat 1 ho_drop_pkts)
[ "$(rr attach "$CTL" 0 -1)" = 1 ] || fail "detach: last cell is not 1"
ping_ok 0 "$(enb_addr 1)" && fail "a detached UE reaches eNB 1"
after=$(stat 1 ho_drop_pkts)
[ $((after - before)) -ge 3 ] || fail "detached: cell 1 counted $((after - before)) handover drops"
ok "detached: pings fail, cell 1 counted $((after - before)) frames dropped in the interruption"

# Downlink for a UE no cell ever served: dropped and counted at the cell it reached.
before=$(stat 0 drop_pkts)
ip netns exec "$P-e0" ping -n -c 3 -i 0.2 -W 1 "$(ue_addr 3)" >/dev/null && fail "UE 3 answered unattached"
after=$(stat 0 drop_pkts)
[ $((after - before)) -ge 3 ] || fail "cell 0 counted $((after - before)) drops for an unserved UE"
ok "downlink for a UE never attached: cell 0 counted $((after - before)) drops"

msg=$(rr attach "$CTL" 9 0 2>&1) && fail "attach of UE 9 succeeded"
[[ $msg == *"No such file or directory"* ]] || fail "attach of UE 9: $msg"
msg=$(rr stats "$CTL" 3 2>&1) && fail "stats of cell 3 succeeded"
[[ $msg == *"No such file or directory"* ]] || fail "stats of cell 3: $msg"
ok "a bad UE or cell: ENOENT"

# Batches (one request for many cells or shapings, split when large): the counters of cells 0,
# 1 and the global slot in one call are those of three single calls, split or not.
single=$(for c in 0 1 2; do echo "cell=$c $(rr stats "$CTL" $c)"; done)
[ "$(rr stats-many "$CTL" 0 3 0)" = "$single" ] || fail "counters in one request: $(rr stats-many "$CTL" 0 3 0), not $single"
[ "$(rr stats-many "$CTL" 0 3 1)" = "$single" ] || fail "counters in three requests: $(rr stats-many "$CTL" 0 3 1)"
for range in "1 3" "3 1" "0 4"; do
	msg=$(rr stats-many "$CTL" $range 0 2>&1) && fail "counters of cells $range succeeded"
	[[ $msg == *"No such file or directory"* ]] || fail "counters of cells $range: $msg"
done
msg=$(rr stats-many "$CTL" 0 4 2 2>&1) && fail "counters of cells 0 4, split by 2, succeeded"
# The same in two steps, taken when the socket is readable (split: one request out at a time),
# and with another request made while the batch is out.
for split in 0 1 2; do
	got=$(rr stats-async "$CTL" 0 3 $split 2>&1) || fail "counters in two steps, split $split: $got"
	[ "$got" = "$single" ] || fail "counters in two steps, split $split: $got, not $single"
done
msg=$(rr stats-async "$CTL" 0 4 2 2>&1) && fail "counters of cells 0 4 in two steps succeeded"
[[ $msg == *"No such file or directory"* ]] || fail "counters of cells 0 4 in two steps: $msg"
ok "cells' counters in one request (or split, or in two steps), as single requests; a range beyond them: ENOENT"

# Shapings applied in order up to the bad one: UE 0 up 10 ms, down 5 then 20 ms, then UE 9
# (bad), then UE 0 up 50 ms: split by 2, the first three stay applied, the last is not.
rr attach "$CTL" 0 1 >/dev/null
out=$(rr shape-many "$CTL" 2 0,0,delay=10 0,1,delay=5 0,1,delay=20 9,0,delay=1 0,0,delay=50 2>"$TMP/sm.err") &&
	fail "a batch with UE 9 succeeded"
[ "$out" = bad=3 ] || fail "a batch with UE 9 at 3: $out"
grep -q "No such file or directory" "$TMP/sm.err" || fail "a batch with UE 9: $(cat "$TMP/sm.err")"
v=$(rtt_min 0 "$(enb_addr 1)")
within "$(calc "$v - $base")" 29.5 32 || fail "batch applied up to the bad one: min RTT $v ms, $base ms unshaped (want + 30)"
out=$(rr shape-many "$CTL" 0 0,2,delay=1 2>/dev/null) && fail "a shaping of direction 2 succeeded"
[ "$out" = bad=0 ] || fail "a batch with direction 2: $out"
ok "shapings in a batch split by 2: applied in order up to the bad one (index 3, ENOENT): min RTT $v ms"
# 2000 shapings, split as they must be (a message holds fewer): the last one counts.
args=()
for ((i = 0; i < 1999; i++)); do args+=("$((i % N_UES)),$((i % 2))"); done
rr shape-many "$CTL" 0 "${args[@]}" 0,1,delay=10 || fail "2000 shapings in one call"
v=$(rtt_min 0 "$(enb_addr 1)")
within "$(calc "$v - $base")" 9.5 12 || fail "2000 shapings: min RTT $v ms, $base ms unshaped (want + 10)"
rr shape-many "$CTL" 0 0,0 0,1 || fail "unshaping UE 0"
ok "2000 shapings in one call (split into requests): the last one applied, min RTT $v ms"

# The control round trip (a figure, not a check).
rr rtt "$CTL" 2000 | sed 's/^/ok: control round trip, /'

# Many cells' counters (or UEs' shapings) in one request against one request per cell (or per
# UE and direction), figures: a second relay with 50 UE and 100 cell ports, veth pairs inside
# its namespace.
R2=$P-r2
NSS+=("$R2")
ip netns add "$R2"
{
	for ((i = 0; i < 50; i++)); do
		echo "link add u$i type veth peer name v$i"
		echo "link set u$i up"
	done
	for ((c = 0; c < 100; c++)); do
		echo "link add c$c type veth peer name d$c"
		echo "link set c$c up"
	done
} | ip -n "$R2" -batch -
"$RAN_RELAY" serve "$R2" "$TMP/relay2.sock" 10.204.0.1 50 100 0 x2 >"$TMP/serve2.out" 2>"$TMP/serve2.err" &
SERVE2_PID=$!
for ((i = 0; i < 200; i++)); do
	[ -s "$TMP/serve2.out" ] && break
	kill -0 "$SERVE2_PID" 2>/dev/null || fail "the second relay exited: $(cat "$TMP/serve2.err")"
	sleep 0.05
done
for n in 50 100; do
	rr rtt-many "$TMP/relay2.sock" $n 300 | sed 's/^/ok: control round trip, /'
done
for n in 10 50; do
	rr rtt-shape "$TMP/relay2.sock" $n 300 | sed 's/^/ok: control round trip, /'
done
kill -TERM "$SERVE2_PID"
wait "$SERVE2_PID" || fail "the second relay ended with $?: $(cat "$TMP/serve2.err")"
SERVE2_PID=''

# Four UEs each receiving a TCP bulk flow from eNB 0 through its 40 Mbit/s downlink: each gets
# about a quarter (goodput at most 40 x 1448 / 1514 = 38.3 Mbit/s in all), never more in all.
for ((i = 0; i < N_UES; i++)); do
	rr attach "$CTL" $i 0 >/dev/null
	ip netns exec "$P-u$i" iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
	PIDS+=($!)
done
sleep 0.5
b0=$(stat 0 down_bytes)
t0=$(date +%s.%N)
CPIDS=()
for ((i = 0; i < N_UES; i++)); do
	ip netns exec "$P-e0" iperf3 -c "$(ue_addr $i)" -p 5201 -t 8 -O 2 -J >"$TMP/iperf$i.json" &
	CPIDS+=($!)
done
for p in "${CPIDS[@]}"; do wait "$p" || fail "an iperf3 client failed"; done
t1=$(date +%s.%N)
b1=$(stat 0 down_bytes)
rates=() sum=0
for ((i = 0; i < N_UES; i++)); do
	r=$(python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["end"]["sum_received"]["bits_per_second"] / 1e6))' "$TMP/iperf$i.json")
	rates+=("$r")
	sum=$(calc "$sum + $r")
done
cell=$(calc "($b1 - $b0) * 8 / ($t1 - $t0) / 1e6")
for r in "${rates[@]}"; do
	within "$r" 7.5 12.5 || fail "cell sharing: UE rates ${rates[*]} Mbit/s, want 10 +- 25 %"
done
within "$sum" 0 44 || fail "cell sharing: $sum Mbit/s in all"
within "$cell" 0 44 || fail "cell sharing: cell 0 sent $cell Mbit/s"
ok "4 TCP flows in a 40 Mbit/s cell: ${rates[*]} Mbit/s (goodput, sum $sum); the cell sent $cell Mbit/s of frames"

# TCP across handovers: a cloud behind both eNBs (plain veths, 10.203.X.0/30 and .4/30), routing
# the UE's address to the eNB serving it as the builder will. One flow up and one down from UE 0
# while it hops between the cells every 2 s: neither resets, and every second carries bytes.
K=10.203.$X
ip link add name k0 netns "$P-k" type veth peer name kup netns "$P-e0"
ip link add name k1 netns "$P-k" type veth peer name kup netns "$P-e1"
ip -n "$P-k" addr add "$K.1/30" dev k0
ip -n "$P-k" addr add "$K.5/30" dev k1
ip -n "$P-k" link set k0 up
ip -n "$P-k" link set k1 up
for c in 0 1; do
	ip -n "$P-e$c" addr add "$K.$((4 * c + 2))/30" dev kup
	ip -n "$P-e$c" link set kup up
	ip -n "$P-e$c" route add default via "$K.$((4 * c + 1))"
	ip netns exec "$P-e$c" sysctl -qw net.ipv4.ip_forward=1
done
# hop CELL: UE 0 to CELL, the cloud's route to it through that cell's eNB
hop() {
	rr attach "$CTL" 0 "$1" >/dev/null
	ip -n "$P-k" route replace "$(ue_addr 0)/32" via "$K.$((4 * $1 + 2))"
}
hop 0
for port in 5202 5203; do
	ip netns exec "$P-k" iperf3 -s -1 -p $port >/dev/null 2>&1 &
	PIDS+=($!)
done
sleep 0.5
ip netns exec "$P-u0" iperf3 -c "$K.1" -p 5202 -t 9 -J >"$TMP/ho_up.json" &
up_pid=$!
ip netns exec "$P-u0" iperf3 -c "$K.1" -p 5203 -t 9 -R -J >"$TMP/ho_down.json" &
down_pid=$!
for c in 1 0 1 0; do
	sleep 2
	hop $c
done
wait "$up_pid" || fail "TCP up across handovers: iperf3 failed: $(head -c 300 "$TMP/ho_up.json")"
wait "$down_pid" || fail "TCP down across handovers: iperf3 failed: $(head -c 300 "$TMP/ho_down.json")"
for d in up down; do
	v=$(python3 -c 'import json,sys
j = json.load(open(sys.argv[1]))
ivs = [i["sum"]["bytes"] for i in j["intervals"]]
print("%d %.2f %s" % (min(ivs), j["end"]["sum_received"]["bits_per_second"] / 1e6, len(ivs)))' "$TMP/ho_$d.json")
	set -- $v
	[ "$1" -gt 0 ] || fail "TCP $d across handovers: a second without bytes ($v)"
	ok "TCP $d across 4 handovers: $2 Mbit/s over $3 s, every second with bytes (fewest: $1)"
done
x2=$(($(stat 0 x2_pkts) + $(stat 1 x2_pkts)))
ok "frames forwarded over X2 at the handovers: $x2"

kill -TERM "$SERVE_PID"
st=0
wait "$SERVE_PID" || st=$?
SERVE_PID=''
[ "$st" -eq 0 ] || fail "the relay ended with $st: $(cat "$TMP/serve.err")"
ran_cleanup
ip netns list | grep -q "^$P-" && fail "namespaces left: $(ip netns list | grep "^$P-")"
ok "stopped cleanly; nothing left"
