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
# floor of ping's per-packet times (their 5th percentile, nearest rank) and their median, in
# ms: a busy machine holds packets up and raises the median; the floor is what the relay
# adds. (Per-packet times come in whole ms from 100 ms on: RTTs here stay below.)
floor_p50() {
	sed -n 's/.*time=\([0-9.]*\) ms.*/\1/p' | sort -g |
		awk '{ v[NR] = $1 } END { if (!NR) exit 1; n = NR; r = int((n * 5 + 99) / 100)
			printf "%.3f %.3f\n", v[r], n % 2 ? v[(n + 1) / 2] : (v[n / 2 + 1] + v[n / 2]) / 2 }'
}
# rtt COUNT INTERVAL: "floor median" RTT from a to b, in ms
rtt() { ip netns exec "$A" ping -n -c "$1" -i "$2" -W 2 "$IPB" | floor_p50; }
# check_rtt WANT LABEL: 100 pings; their floor less the unshaped baseline's is WANT ms +- 0.5.
# Too little fails at once (nothing is early); too much is measured again, up to 4 times in
# all: load can hold up a whole measurement, a relay that adds too much does it every time.
check_rtt() {
	local v d i
	for ((i = 1; ; i++)); do
		v=$(rtt 100 0.01)
		d=$(calc "${v% *} - ${base% *}")
		within "$d" "$(calc "$1 - 0.5")" 1e9 || fail "$2: RTT floor ${v% *} ms (p50 ${v#* }), $d ms above the baseline: too little"
		within "$d" 0 "$(calc "$1 + 0.5")" && break
		[ "$i" -lt 4 ] || fail "$2: RTT floor ${v% *} ms (p50 ${v#* }), $d ms above the baseline, $i times"
		echo "note: $2: RTT floor ${v% *} ms, $d ms above the baseline: measuring again" >&2
	done
	echo "${v% *} (p50 ${v#* })"
}
# tcp SECONDS: goodput from a to b in Mbit/s, measured by the receiver over SECONDS after its
# first second. The sender writes until the receiver has measured and closed (60 s at most).
tcp() {
	local port=$((5000 + RANDOM % 1000)) i
	ip netns exec "$B" "$RELAY_PAIR" tcp-recv "$port" "$1" >"$TMP/recv.out" &
	RECV_PID=$!
	for ((i = 0; i < 1200; i++)); do
		grep -q listening "$TMP/recv.out" 2>/dev/null && break
		sleep 0.05
	done
	ip netns exec "$A" "$RELAY_PAIR" tcp-send "$IPB" "$port" $(($1 + 60)) ||
		fail "tcp-send failed"
	wait "$RECV_PID" || fail "tcp-recv failed"
	RECV_PID=''
	tail -n 1 "$TMP/recv.out"
}

# Not through rp: $! must be relay_pair itself, not a subshell running a function.
"$RELAY_PAIR" up "$P" "$CTL" "$X" >"$TMP/up.out" 2>"$TMP/up.err" &
UP_PID=$!
for ((i = 0; i < 1200; i++)); do
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

# The baseline: a to b through the relay with nothing configured. (What the relay costs
# against a plain veth pair, and its throughput, are bench/shape's figures.)
base=$(rtt 100 0.01)
ok "baseline: RTT floor ${base% *} ms (p50 ${base#* }) with nothing configured"

rp set "$CTL" 0 0 delay=40
rp set "$CTL" 0 1 delay=40
v=$(check_rtt 80 "40 ms each way")
ok "40 ms each way: RTT floor $v ms"

rp set "$CTL" 0 0 delay=10
rp set "$CTL" 0 1 delay=10
v=$(check_rtt 20 "10 ms each way")
ok "10 ms each way: RTT floor $v ms"

# An update takes effect at once and reads back.
rp set "$CTL" 0 0 delay=30
v=$(check_rtt 40 "after the update to 30 ms")
get=$(rp get "$CTL" 0 0)
echo "$get" | grep -q 'delay_ns=30000000 ' || fail "get after the update: $get"
ok "update to 30 ms: RTT floor $v ms; get: $get"
# Unknown links and directions: -ENOENT.
msg=$(rp get "$CTL" 1 0 2>&1) && fail "get of link 1 succeeded"
[[ $msg == *"No such file or directory"* ]] || fail "get of link 1: $msg"
msg=$(rp set "$CTL" 0 2 delay=1 2>&1) && fail "set of direction 2 succeeded"
[[ $msg == *"No such file or directory"* ]] || fail "set of direction 2: $msg"

# 10 % random loss on a -> b: 2000 pings at 1 ms, Binomial(2000, 0.1): 200 +- 13.4; outside
# 130..270 one time in 4 million (exact tails). A loss of 6 % or 14 % fails as a rule.
rp set "$CTL" 0 0 loss=10
rp set "$CTL" 0 1
# (Each step on its own line: a failure says which, instead of ending the test silently.)
get=$(rp get "$CTL" 0 0) || fail "get before the loss test: $get"
before=$(sed -n 's/.* lost=\([0-9]*\) .*/\1/p' <<<"$get")
out=$(ip netns exec "$A" ping -n -q -c 2000 -i 0.001 -W 2 "$IPB") || fail "ping with 10 % loss: $out"
recv=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out")
lost=$((2000 - recv))
get=$(rp get "$CTL" 0 0) || fail "get after the loss test: $get"
after=$(sed -n 's/.* lost=\([0-9]*\) .*/\1/p' <<<"$get")
[ "$lost" -ge 130 ] && [ "$lost" -le 270 ] || fail "10 % loss: $lost of 2000 pings lost"
ok "10 % loss: $lost of 2000 pings lost; the relay counted $((after - before)) lost frames"

# A 20 Mbit/s rate (5 ms each way): TCP goodput (1448 of each 1514 bytes: 19.1 Mbit/s) never
# above the rate, below it by 20 % at most: a rate off by a fifth fails, a sender short of
# CPU on a loaded machine passes.
rp set "$CTL" 0 0 rate=20 delay=5
rp set "$CTL" 0 1 rate=20 delay=5
v=$(tcp 5)
within "$v" 16 20.4 || fail "TCP at 20 Mbit/s: $v Mbit/s"
ok "TCP at 20 Mbit/s: $v Mbit/s"

# A capacity trace: one 1500-byte opportunity every ms is 12 Mbit/s.
printf '1\n' >"$TMP/12mbit.mmtrace"
printf '1\n2\nx\n' >"$TMP/bad.mmtrace"
rp set "$CTL" 0 0 trace="$TMP/bad.mmtrace" 2>/dev/null && fail "a bad trace was accepted"
rp set "$CTL" 0 0 trace="$TMP/missing.mmtrace" 2>/dev/null && fail "a missing trace was accepted"
rp set "$CTL" 0 0 trace="$TMP/12mbit.mmtrace" delay=5
rp get "$CTL" 0 0 | grep -q "trace=$TMP/12mbit.mmtrace" || fail "get does not show the trace"
v=$(tcp 5)
within "$v" 9.6 12.24 || fail "TCP over a 12 Mbit/s trace: $v Mbit/s (as for the rate: 80 % to 102 %)"
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
