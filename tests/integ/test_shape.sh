#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Shaping, measured: RTTs match the configured delay in each direction, loss stays
# within statistical bounds, Gilbert-Elliott loss comes in bursts, a change takes effect for
# the next packet without losses, TCP runs at the configured rate, and (relay) a capacity
# trace sets the throughput. Runs with whichever backend `shaper: auto` picks: the relay on a
# kernel without sch_netem, netem in the stock-kernel VM (tests/vm). EDGEMU_SHAPER overrides.
#
# Delays are judged as differences from an unshaped baseline measured here, in the same
# network, so that what is judged is what the shaper adds, not what the machine costs: an
# emulated CPU (qemu TCG) adds half a millisecond to a round trip, and a busy host or a VM
# that has just booted makes timers fire late, by milliseconds for a while; the relay, a
# process, has its own scheduling. The figure judged is the floor of the RTTs (their 5th
# percentile: the packets nothing else held up): a delay only adds, so a busy machine
# raises the median, not the floor. A shaper that delays by the wrong amount moves the
# floor; one that delays only some packets more is not caught here.
. "$(dirname "$0")/lib.sh"
: "${EDGEMU_APPS:?EDGEMU_APPS must name the folder of the apps}"

# ms, either side of the configured delay, for the floor of the RTTs less the baseline's:
# netem's timer under TCG is late by up to half a millisecond each way, which the VM's
# EDGEMU_RTT_TOL=1.0 allows. A delay wrong by 2 ms fails either way.
tol=${EDGEMU_RTT_TOL:-0.5}
# Background apps go in PIDS: lib.sh's cleanup kills them before it takes the run down.
run=$(rand_run)
RUNS+=("$run")
cat >"$TMP/shape.yaml" <<YAML
name: shape
shaper: ${EDGEMU_SHAPER:-auto}
nodes:
  a: { kind: host }
  b: { kind: host }
links:
  - { endpoints: [a, b], delay: 10ms }
YAML
"$EDGEMU" up "$TMP/shape.yaml" --name "$run" >/dev/null
backend=$("$EDGEMU" show "$run" --json | grep -o '"backend":"[a-z]*"' | cut -d'"' -f4)
ok "backend: $backend"

shape() { "$EDGEMU" shape "$run" a:eth0 "$@" >/dev/null; }
# rtt_floor FILE: ping a -> b, 100 times 10 ms apart; prints the 5th percentile and the
# median of the RTTs in ms. (ping prints whole milliseconds from 100 ms on: RTTs here stay
# below.)
rtt_floor() {
	local stats
	"$EDGEMU" exec "$run" a -- ping -n -c 100 -i 0.01 -W 2 b >"$1.raw" 2>&1 || true
	sed -n 's/.*icmp_seq=\([0-9]*\).*time=\([0-9.]*\) ms.*/\1 \2/p' "$1.raw" >"$1"
	stats=$(awk '/packets transmitted/ {print $1, $4}' "$1.raw")
	[ "${stats% *}" = 100 ] && [ "${stats#* }" -ge 90 ] ||
		fail "ping a -> b: sent/received '$stats' of 100: $(tail -3 "$1.raw")"
	echo "$(pct "$1" 5) $(median "$1")"
}
# pct FILE P: the P-th percentile (nearest rank) of the second column
pct() { awk '{print $2}' "$1" | sort -g | awk -v p="$2" '{v[NR] = $1}
	END {r = int((NR * p + 99) / 100); print NR ? v[r < 1 ? 1 : r] : "nan"}'; }
# check_rtt WANT_MS LABEL ["FLOOR MEDIAN"]: those, or measured now, against the baseline.
# Below the configured delay fails at once: nothing is early. Above, it is measured again,
# up to 4 times in all: a busy machine can hold up every packet of a 1 s measurement, but
# a shaper that adds too much does it every time.
check_rtt() {
	local m=${3:-} d i
	for ((i = 1; ; i++)); do
		[ -n "$m" ] || m=$(rtt_floor "$TMP/rtt")
		d=$(calc "${m% *} - ${base% *}")
		within "$d" "$(calc "$1 - $tol")" 1e9 ||
			fail "$2: RTT floor ${m% *} ms (median ${m#* }), $d ms above the baseline's ${base% *} ms; configured $1 ms (+- $tol): too little"
		within "$d" 0 "$(calc "$1 + $tol")" && break
		[ "$i" -lt 4 ] ||
			fail "$2: RTT floor ${m% *} ms (median ${m#* }), $d ms above the baseline's ${base% *} ms; configured $1 ms (+- $tol): too much, $i times"
		echo "note: $2: RTT floor ${m% *} ms, $d ms above the baseline's: measuring again"
		m=
	done
	ok "$2: RTT floor ${m% *} ms (median ${m#* }), $d ms above the baseline's (configured $1 ms)"
}

# The run as up made it (measured now, judged once the baseline is known), then the
# baseline: the same path with nothing configured.
up_rtt=$(rtt_floor "$TMP/rtt")
"$EDGEMU" shape "$run" a:eth0 | grep -q "^in:  delay 10.000ms" || fail "shape does not read back up's 10 ms in"
shape --dir both --delay 0
base=$(rtt_floor "$TMP/base")
ok "baseline: RTT floor ${base% *} ms (median ${base#* }) with no delay"
# (Measured again, should it be, as shape sets it: the same 10 ms.)
shape --dir both --delay 10ms
check_rtt 20 "10 ms each way (as up made it)" "$up_rtt"
shape --dir both --delay 40ms
check_rtt 80 "40 ms each way"
shape --dir out --delay 10ms
shape --dir in --delay 0
check_rtt 10 "10 ms a->b only"
shape --dir out --delay 0
shape --dir in --delay 10ms
check_rtt 10 "10 ms b->a only"
shape --dir out --delay 50ms
shape --dir in --delay 0
check_rtt 50 "50 ms a->b only"
shape --dir out --delay 0
shape --dir in --delay 50ms
check_rtt 50 "50 ms b->a only"
"$EDGEMU" shape "$run" a:eth0 | grep -q "^in:  delay 50.000ms" || fail "shape does not read back 50 ms in"

# Lost ARP requests would add losses of their own (and stall the probe when the neighbour
# entry fails): fix both neighbour entries before measuring loss.
mac() { "$EDGEMU" exec "$run" "$1" -- cat /sys/class/net/eth0/address; }
ip_of() { "$EDGEMU" exec "$run" "$1" -- getent hosts "$1" | awk '{print $1}'; }
"$EDGEMU" exec "$run" a -- ip neigh replace "$(ip_of b)" lladdr "$(mac b)" dev eth0 nud permanent
"$EDGEMU" exec "$run" b -- ip neigh replace "$(ip_of a)" lladdr "$(mac a)" dev eth0 nud permanent

# From here on, an echo on b answers edgemu-probe's numbered requests from a. (ping sends
# one request per 10 ms, not per 1 ms, once one is unanswered: a lossy link took it 50 s.)
"$EDGEMU" exec "$run" b -- "$EDGEMU_APPS/edgemu-echo" --id b 2>"$TMP/echo.err" &
echo_b=$!
PIDS+=("$echo_b")
for ((i = 0; i < 1200; i++)); do
	grep -q listening "$TMP/echo.err" && break
	sleep 0.05
done
grep -q listening "$TMP/echo.err" || fail "edgemu-echo on b did not start: $(cat "$TMP/echo.err")"

# udp_errors: UDP datagrams dropped by the stacks of a and b themselves (a full receive
# buffer when a busy machine holds the echo or the probe up; a full send buffer)
udp_errors() {
	local n t=0
	for n in a b; do
		t=$((t + $("$EDGEMU" exec "$run" $n -- awk '/^Udp:/ && $2 ~ /^[0-9]/ {print $4 + $7}' \
			/proc/net/snmp)))
	done
	echo "$t"
}
# probe_loss N CSV: N requests at 1 ms from a to b; prints "lost bursts mean_burst" (a
# burst: consecutive requests lost; an answer after its 2 s was not lost by the link). Losses
# of the measurement's own, in a's or b's UDP stack, void it: it is made again (up to 3
# times), as they say nothing of the link.
probe_loss() {
	local i e0
	for ((i = 1; ; i++)); do
		e0=$(udp_errors)
		"$EDGEMU" exec "$run" a -- "$EDGEMU_APPS/edgemu-probe" b --interval 1ms --count "$1" \
			--timeout 2s --csv "$2" --quiet || fail "edgemu-probe a -> b exited $?"
		[ "$(grep -c '^send,' "$2")" -eq "$1" ] || fail "the probe sent $(grep -c '^send,' "$2") of $1"
		[ "$(udp_errors)" -ne "$e0" ] || break
		[ "$i" -lt 3 ] || fail "$1 requests: the UDP stacks of a and b dropped datagrams, $i times"
		echo "note: the UDP stacks of a and b dropped $(($(udp_errors) - e0)) datagrams: measuring again" >&2
	done
	# A late answer's request also has its loss line: both lines go.
	awk -F, '$1 == "loss" || $1 == "late" {print $2}' "$2" | sort -n | uniq -u |
		awk 'NR == 1 || $1 != prev + 1 {b++} {prev = $1}
			END {printf "%d %d %.2f\n", NR, b, b ? NR / b : 0}'
}

# Bounds on counts of random events are set for a false failure in about a million runs
# (exact binomial and Gilbert-Elliott chain tails; the losses are the shaper's own: ARP is
# fixed above, the link has no delay and an answer has 2 s to come back).
# Random loss, one direction: 2000 requests, 10 % lost: Binomial(2000, 0.1), 200 +- 13.4.
# P(lost < 130 or > 270) = 2.6e-7. A loss of 6 % or 14 % fails as a rule.
shape --dir in --delay 0
shape --dir out --delay 0 --loss 10%
read -r lost _ _ < <(probe_loss 2000 "$TMP/loss.csv")
[ "$lost" -ge 130 ] && [ "$lost" -le 270 ] || fail "10% loss: lost $lost of 2000 (expected 130..270)"
ok "10% loss: $lost of 2000 lost"

# Gilbert-Elliott, p 1 %, r 30 %, all lost in bad: loss p/(p+r) = 3.2 %, 129 of 4000, in
# about 39 bursts of 1/r = 3.3. P(lost < 30 or > 330, or mean burst < 1.6 or > 8) = 9.5e-7
# for the chain started in the good state (independent losses give bursts of 1.03).
shape --dir out --loss 0 --gilbert 1%,30%,0%,100%
read -r lost nb mean < <(probe_loss 4000 "$TMP/ge.csv")
[ "$lost" -ge 30 ] && [ "$lost" -le 330 ] || fail "Gilbert-Elliott: lost $lost of 4000 (expected about 129)"
within "$mean" 1.6 8 || fail "Gilbert-Elliott: mean burst $mean over $nb bursts (expected about 3.3)"
ok "Gilbert-Elliott: $lost of 4000 lost in $nb bursts of $mean on average"

# A change takes effect for the next packet and loses nothing: a probe every 10 ms from a
# to an echo on b, stamped by CLOCK_MONOTONIC as the kernel's clock here, while a -> b goes
# from 10 to 30 ms. Every request sent after `shape` returned must see the new delay: its
# RTT cannot be below 40 ms, however busy the machine (a delay only adds); one sent before
# it began, 20 ms. That the new delay is 30 ms and not more, ping measures afterwards.
# Nothing is judged by how long anything takes: the probe runs until enough answers on
# each side are in.
mono_ns() { awk '/^now at/ {print $3; exit}' /proc/timer_list; }
# upd_answers NS N: until N answers to requests sent after NS are in the probe's CSV
upd_answers() { wait_answers "$TMP/upd.csv" "$1" "$2" "$pinger" "$TMP/upd.err" "update: "; }
shape --dir out --loss 0 --delay 10ms
shape --dir in --delay 10ms
"$EDGEMU" exec "$run" a -- "$EDGEMU_APPS/edgemu-probe" b --interval 10ms --timeout 5s \
	--csv "$TMP/upd.csv" --quiet 2>"$TMP/upd.err" &
pinger=$!
PIDS+=("$pinger")
upd_answers 0 100
t0=$(mono_ns)
shape --dir out --delay 30ms
t1=$(mono_ns)
upd_answers "$t1" 100
kill -TERM "$pinger"
wait "$pinger" || fail "update: the probe failed: $(cat "$TMP/upd.err")"
awk -F, -v t0="$t0" '$1 == "answer" && $3 < t0 {print $2, $5 / 1e6}' "$TMP/upd.csv" >"$TMP/upd.before"
awk -F, -v t1="$t1" '$1 == "answer" && $3 > t1 {print $2, $5 / 1e6}' "$TMP/upd.csv" >"$TMP/upd.after"
lost=$(grep -c '^loss,' "$TMP/upd.csv" || true)
early=$(awk '$2 < 20' "$TMP/upd.before" | wc -l)
old=$(awk '$2 < 40' "$TMP/upd.after" | wc -l)
nb=$(wc -l <"$TMP/upd.before")
na=$(wc -l <"$TMP/upd.after")
[ "$lost" -eq 0 ] || fail "update: $lost requests lost"
[ "$early" -eq 0 ] || fail "update: $early answers before the change came in under 20 ms"
[ "$old" -eq 0 ] || fail "update: $old of $na requests sent after the change saw the old delay"
ok "update under traffic: $nb answers before (from $(pct "$TMP/upd.before" 0) ms), $na after (from $(pct "$TMP/upd.after" 0) ms), none lost, none at the old delay after the change"
check_rtt 40 "after the update, 30 ms a->b and 10 ms b->a"

# TCP at a configured rate. The rate counts whole frames, TCP's goodput is 1448 of each 1514
# bytes (96 %). Never above the rate; below it by 20 % at most: a shaper off by a fifth
# fails. Load can starve the sender (13.9 Mbit/s at 20 in the VM on a busy host): the rate
# is 8 Mbit/s, which the VM sustains, and a goodput too low is measured again, up to 3
# times in all; a shaper that limits too much does it every time.
tcp_rate() { # prints received Mbit/s
	"$EDGEMU" exec "$run" b -- iperf3 -s -1 >/dev/null 2>&1 &
	local srv=$! i
	for ((i = 0; i < 1200; i++)); do
		[ -n "$("$EDGEMU" exec "$run" b -- ss -Hltn 'sport = :5201')" ] && break
		sleep 0.05
	done
	"$EDGEMU" exec "$run" a -- iperf3 -c b -t 4 -O 1 -J 2>/dev/null |
		awk '/"sum_received"/ {f = 1} f && /"bits_per_second"/ {gsub(/[^0-9.e+]/, "", $2); print $2 / 1e6; exit}'
	wait "$srv" 2>/dev/null || true
}
check_tcp() { # WANT_MBPS LABEL
	local mbps i
	for ((i = 1; ; i++)); do
		mbps=$(tcp_rate)
		[ -n "$mbps" ] || fail "$2: iperf3 gave no result"
		within "$mbps" 0 "$(calc "$1 * 1.02")" || fail "$2: TCP measured $mbps Mbit/s, above the rate"
		within "$mbps" "$(calc "$1 * 0.8")" 1e9 && break
		[ "$i" -lt 3 ] || fail "$2: TCP measured $mbps Mbit/s, $i times"
		echo "note: $2: TCP measured $mbps Mbit/s: measuring again"
	done
	ok "$2: TCP $(printf %.2f "$mbps") Mbit/s"
}
shape --dir both --delay 1ms --rate 8mbit
check_tcp 8 "rate 8 Mbit/s"

if [ "$backend" = relay ]; then
	# A capacity trace: one 1500-byte opportunity every ms = 12 Mbit/s, then two = 24.
	seq 1 1000 >"$TMP/12mbit.mmtrace"
	awk 'BEGIN {for (i = 1; i <= 1000; i++) print i "\n" i}' >"$TMP/24mbit.mmtrace"
	for want in 12 24; do
		shape --dir both --rate 0 --delay 1ms --trace "$TMP/${want}mbit.mmtrace"
		check_tcp "$want" "capacity trace of $want Mbit/s"
	done
fi

kill -TERM "$echo_b"
wait "$echo_b" || fail "edgemu-echo on b: exit $? on SIGTERM"
"$EDGEMU" down "$run"
assert_gone "$run"
ok "down removed everything"
