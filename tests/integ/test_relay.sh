#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The relay backend for real: two hosts in their own namespaces joined through the relay in a
# third (tests/integ/relay_pair.c). Delay, loss, an update through the control socket, a rate
# and a capacity trace under TCP; promiscuous mode is not needed; nothing is left behind.
. "$(dirname "$0")/lib.sh"
: "${RELAY_PAIR:?RELAY_PAIR must point at the relay_pair binary (run this through ctest)}"

P=rly$(printf '%06x' $((RANDOM * 32768 + RANDOM & 0xffffff)))
X=$((RANDOM % 250 + 1))
A=$P-a B=$P-b R=$P-r
IPB=10.250.$X.2
CTL=$TMP/relay.sock
UP_PID='' RELAY_PID='' RECV_PID=''

relay_cleanup() {
	[ -n "$RECV_PID" ] && kill "$RECV_PID" 2>/dev/null
	if [ -n "$UP_PID" ] && kill -0 "$UP_PID" 2>/dev/null; then
		kill -TERM "$UP_PID"
		wait "$UP_PID" 2>/dev/null
	fi
	# relay_pair itself killed hard: its relay is ours to stop
	if [ -n "$RELAY_PID" ] && grep -qx relay_pair "/proc/$RELAY_PID/comm" 2>/dev/null; then
		kill -KILL "$RELAY_PID"
	fi
	for ns in "$A" "$B" "$R" "$P-p1" "$P-p2"; do
		[ -e "/run/netns/$ns" ] && ip netns del "$ns"
	done
	return 0
}
trap 'rc=$?; set +e; relay_cleanup; (exit $rc); cleanup' EXIT

rp() { "$RELAY_PAIR" "$@"; }
# median of ping's per-packet times, in ms
p50() {
	sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | sort -g |
		awk '{ v[NR] = $1 } END { if (!NR) exit 1; n = NR
			printf "%.3f\n", n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'
}
# rtt COUNT INTERVAL [NS DST]: median RTT from a to b (or NS to DST), in ms
rtt() { ip netns exec "${3:-$A}" ping -n -c "$1" -i "$2" -W 2 "${4:-$IPB}" | p50; }
# Per-packet times above 100 ms come in whole ms: the summary's mean has 3 decimals.
rtt_mean() {
	ip netns exec "$A" ping -n -q -c "$1" -i "$2" -W 2 "$IPB" |
		sed -n 's|^rtt min/avg/max/mdev = [0-9.]*/\([0-9.]*\)/.*|\1|p'
}
# near V WANT TOL
near() { awk -v v="$1" -v w="$2" -v t="$3" 'BEGIN { exit !(v >= w - t && v <= w + t) }'; }
# tcp SECONDS: goodput from a to b in Mbit/s, measured by the receiver
tcp() {
	local port=$((5000 + RANDOM % 1000)) i
	ip netns exec "$B" "$RELAY_PAIR" tcp-recv "$port" "$1" >"$TMP/recv.out" &
	RECV_PID=$!
	for ((i = 0; i < 100; i++)); do
		grep -q listening "$TMP/recv.out" 2>/dev/null && break
		sleep 0.05
	done
	ip netns exec "$A" "$RELAY_PAIR" tcp-send "$IPB" "$port" $(($1 + 3)) ||
		fail "tcp-send failed"
	wait "$RECV_PID" || fail "tcp-recv failed"
	RECV_PID=''
	tail -n 1 "$TMP/recv.out"
}

# Not through rp: $! must be relay_pair itself, not a subshell running a function.
"$RELAY_PAIR" up "$P" "$CTL" "$X" >"$TMP/up.out" 2>"$TMP/up.err" &
UP_PID=$!
for ((i = 0; i < 300; i++)); do
	grep -q '^ready ' "$TMP/up.out" 2>/dev/null && break
	kill -0 "$UP_PID" 2>/dev/null || fail "relay_pair up exited: $(cat "$TMP/up.err")"
	sleep 0.05
done
RELAY_PID=$(awk '/^ready/ { print $2 }' "$TMP/up.out")
[ -n "$RELAY_PID" ] || fail "the relay did not come up: $(cat "$TMP/up.err")"
ok "relay up (pid $RELAY_PID) between $A and $B"

# AF_PACKET on veth sees frames for other MACs without promiscuous mode.
for dev in ra rb; do
	ip -n "$R" -o link show "$dev" | grep -q PROMISC && fail "$dev is promiscuous"
done
ip netns exec "$A" ping -n -c 3 -i 0.2 -W 2 "$IPB" >/dev/null || fail "a cannot reach b"
ok "a reaches b through the relay; ra and rb are not promiscuous"

# Frames pass unchanged: the VLAN tag the kernel hands a packet socket apart is put back.
rp vlan "$A" "$B" || fail "a VLAN-tagged frame lost its tag across the relay"
ok "a VLAN-tagged frame crosses the relay with its tag"

# Figures: what the relay adds with nothing configured, against a plain veth pair.
relay0=$(rtt 500 0.01)
ip netns add "$P-p1"
ip netns add "$P-p2"
ip -n "$P-p1" link add eth0 type veth peer name eth0 netns "$P-p2"
ip -n "$P-p1" addr add "10.251.$X.1/24" dev eth0
ip -n "$P-p2" addr add "10.251.$X.2/24" dev eth0
ip -n "$P-p1" link set eth0 up
ip -n "$P-p2" link set eth0 up
ip -n "$P-p1" link set lo up
ip -n "$P-p2" link set lo up
ip netns exec "$P-p1" ping -n -c 3 -i 0.2 -W 2 "10.251.$X.2" >/dev/null || fail "plain veth"
plain=$(rtt 500 0.01 "$P-p1" "10.251.$X.2")
ip netns del "$P-p1"
ip netns del "$P-p2"
ok "RTT p50 at 0 ms: relay $relay0 ms, plain veth $plain ms"
tcp0=$(tcp 3)
ok "TCP through the relay at 0 ms, no rate: $tcp0 Mbit/s"

rp set "$CTL" 0 0 delay=50
rp set "$CTL" 0 1 delay=50
v=$(rtt 100 0.01)
near "$v" 100 0.5 || fail "50 ms each way: RTT p50 $v ms"
m=$(rtt_mean 100 0.01)
near "$m" 100 0.5 || fail "50 ms each way: RTT mean $m ms"
ok "50 ms each way: RTT p50 $v ms, mean $m ms"

rp set "$CTL" 0 0 delay=10
rp set "$CTL" 0 1 delay=10
v=$(rtt 200 0.01)
near "$v" 20 0.5 || fail "10 ms each way: RTT p50 $v ms"
ok "10 ms each way: RTT p50 $v ms"

# An update takes effect at once and reads back.
rp set "$CTL" 0 0 delay=30
v=$(rtt 200 0.01)
near "$v" 40 0.5 || fail "after the update to 30 ms: RTT p50 $v ms"
get=$(rp get "$CTL" 0 0)
echo "$get" | grep -q 'delay_ns=30000000 ' || fail "get after the update: $get"
ok "update to 30 ms: RTT p50 $v ms; get: $get"
# Unknown links and directions: -ENOENT.
msg=$(rp get "$CTL" 1 0 2>&1) && fail "get of link 1 succeeded"
[[ $msg == *"No such file or directory"* ]] || fail "get of link 1: $msg"
msg=$(rp set "$CTL" 0 2 delay=1 2>&1) && fail "set of direction 2 succeeded"
[[ $msg == *"No such file or directory"* ]] || fail "set of direction 2: $msg"

# 10 % random loss on a -> b: 2000 pings at 1 ms, loss within 4 sigma of 200.
rp set "$CTL" 0 0 loss=10
rp set "$CTL" 0 1
before=$(rp get "$CTL" 0 0 | sed -n 's/.* lost=\([0-9]*\) .*/\1/p')
recv=$(ip netns exec "$A" ping -n -q -c 2000 -i 0.001 -W 2 "$IPB" |
	sed -n 's/.* \([0-9]*\) received.*/\1/p')
lost=$((2000 - recv))
after=$(rp get "$CTL" 0 0 | sed -n 's/.* lost=\([0-9]*\) .*/\1/p')
[ "$lost" -ge 147 ] && [ "$lost" -le 253 ] || fail "10 % loss: $lost of 2000 pings lost"
ok "10 % loss: $lost of 2000 pings lost; the relay counted $((after - before)) lost frames"

# A 20 Mbit/s rate (5 ms each way): TCP goodput within 10 % of it.
rp set "$CTL" 0 0 rate=20 delay=5
rp set "$CTL" 0 1 rate=20 delay=5
v=$(tcp 5)
near "$v" 20 2 || fail "TCP at 20 Mbit/s: $v Mbit/s"
ok "TCP at 20 Mbit/s: $v Mbit/s"

# A capacity trace: one 1500-byte opportunity every ms is 12 Mbit/s.
printf '1\n' >"$TMP/12mbit.mmtrace"
printf '1\n2\nx\n' >"$TMP/bad.mmtrace"
rp set "$CTL" 0 0 trace="$TMP/bad.mmtrace" 2>/dev/null && fail "a bad trace was accepted"
rp set "$CTL" 0 0 trace="$TMP/missing.mmtrace" 2>/dev/null && fail "a missing trace was accepted"
rp set "$CTL" 0 0 trace="$TMP/12mbit.mmtrace" delay=5
rp get "$CTL" 0 0 | grep -q "trace=$TMP/12mbit.mmtrace" || fail "get does not show the trace"
v=$(tcp 5)
near "$v" 12 1.2 || fail "TCP over a 12 Mbit/s trace: $v Mbit/s"
ok "TCP over a 12 Mbit/s trace: $v Mbit/s"

# Stop: the relay returns 0 on SIGTERM, relay_pair removes what it made.
kill -TERM "$UP_PID"
st=0
wait "$UP_PID" || st=$?
UP_PID=''
[ "$st" -eq 0 ] || fail "relay_pair up ended with $st: $(cat "$TMP/up.err")"
kill -0 "$RELAY_PID" 2>/dev/null && fail "the relay is still running"
ip netns list | grep -q "^$P-" && fail "namespaces left: $(ip netns list | grep "^$P-")"
[ -e "$CTL" ] && fail "control socket left"
ok "stopped cleanly; nothing left"
