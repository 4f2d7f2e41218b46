#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Shaping, measured: RTT medians match the configured delay in each direction, loss stays
# within statistical bounds, Gilbert-Elliott loss comes in bursts, a change takes effect for
# the next packet without losses, TCP runs at the configured rate, and (relay) a capacity
# trace sets the throughput. Runs with whichever backend `shaper: auto` picks: the relay on a
# kernel without sch_netem, netem in the stock-kernel VM (tests/vm). EDGEMU_SHAPER overrides.
. "$(dirname "$0")/lib.sh"

tol=${EDGEMU_RTT_TOL:-0.5}	# ms; the VM's emulated CPU allows 1
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
check_rtt() { # WANT_MS LABEL
	local stats m
	stats=$(ping_log "$run" a b 100 0.02 "$TMP/rtt")
	m=$(median "$TMP/rtt")
	within "$m" "$(calc "$1 - $tol")" "$(calc "$1 + $tol")" ||
		fail "$2: median RTT $m ms, configured $1 ms (sent/received $stats)"
	ok "$2: median RTT $m ms (configured $1 ms)"
}

check_rtt 20 "10 ms each way"
shape --dir both --delay 50ms
check_rtt 100 "50 ms each way"
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

# Lost ARP requests would add losses of their own (and stall ping when the neighbour entry
# fails): fix both neighbour entries before measuring loss.
mac() { "$EDGEMU" exec "$run" "$1" -- cat /sys/class/net/eth0/address; }
ip_of() { "$EDGEMU" exec "$run" "$1" -- getent hosts "$1" | awk '{print $1}'; }
"$EDGEMU" exec "$run" a -- ip neigh replace "$(ip_of b)" lladdr "$(mac b)" dev eth0 nud permanent
"$EDGEMU" exec "$run" b -- ip neigh replace "$(ip_of a)" lladdr "$(mac a)" dev eth0 nud permanent

# Random loss, one direction: 2000 requests, 10 % lost -> 200 +- 4 sigma (sigma 13.4).
shape --dir in --delay 0
shape --dir out --delay 0 --loss 10%
read -r sent got < <(ping_log "$run" a b 2000 0.001 "$TMP/loss")
lost=$((sent - got))
[ "$sent" -eq 2000 ] || fail "sent $sent of 2000"
[ "$lost" -ge 146 ] && [ "$lost" -le 254 ] || fail "10% loss: lost $lost of 2000 (expected 146..254)"
ok "10% loss: $lost of 2000 lost"

# Gilbert-Elliott, p 1 %, r 30 %, all lost in bad: loss p/(p+r) = 3.2 %, bursts of 1/r = 3.3.
shape --dir out --loss 0 --gilbert 1%,30%,0%,100%
read -r sent got < <(ping_log "$run" a b 4000 0.001 "$TMP/ge")
bursts=$(awk 'BEGIN {prev = 0} {if ($1 > prev + 1) {n++; len += $1 - prev - 1} prev = $1}
	END {if (n) printf "%d %.2f", n, len / n; else print "0 0"}' "$TMP/ge")
read -r nb mean <<<"$bursts"
lost=$((sent - got))
[ "$lost" -ge 40 ] && [ "$lost" -le 300 ] || fail "Gilbert-Elliott: lost $lost of $sent (expected about 128)"
within "$mean" 2 6 || fail "Gilbert-Elliott: mean burst $mean over $nb bursts (expected about 3.3)"
ok "Gilbert-Elliott: $lost of $sent lost in $nb bursts of $mean on average"

# A change takes effect for the next packet and loses nothing.
shape --dir out --loss 0 --delay 10ms
shape --dir in --delay 10ms
("$EDGEMU" exec "$run" a -- ping -n -c 300 -i 0.01 -W 2 b >"$TMP/upd.raw" 2>&1 || true) &
pinger=$!
sleep 1.5
shape --dir out --delay 30ms
wait "$pinger"
sed -n 's/.*icmp_seq=\([0-9]*\).*time=\([0-9.]*\) ms.*/\1 \2/p' "$TMP/upd.raw" >"$TMP/upd"
got=$(wc -l <"$TMP/upd")
[ "$got" -eq 300 ] || fail "update: $got of 300 answered"
verdict=$(awk -v t="$tol" 'function near(x, w) {return x >= w - t - 0.3 && x <= w + t + 0.3}
	{ if (near($2, 20)) { if (after) back++; low++ } else if (near($2, 40)) { after = 1; high++ } else odd++ }
	END { print low + 0, high + 0, odd + 0, back + 0 }' "$TMP/upd")
read -r low high odd back <<<"$verdict"
[ "$back" -eq 0 ] || fail "update: $back answers went back to the old delay"
# Scheduling noise on a busy 2-core machine can delay a few answers; 5 % is generous.
[ "$odd" -le 15 ] || fail "update: $odd answers were neither old nor new delay"
[ "$low" -gt 50 ] && [ "$high" -gt 50 ] || fail "update: $low old, $high new answers"
ok "update under traffic: $low answers at 20 ms, then $high at 40 ms, $odd in between, none lost"

# TCP at a configured rate, 20 Mbit/s: within 10 %.
shape --dir both --delay 1ms --rate 20mbit
tcp_rate() { # prints received bits/s
	"$EDGEMU" exec "$run" b -- iperf3 -s -1 >/dev/null 2>&1 &
	local srv=$!
	sleep 0.3
	"$EDGEMU" exec "$run" a -- iperf3 -c b -t 4 -O 1 -J 2>/dev/null |
		awk '/"sum_received"/ {f = 1} f && /"bits_per_second"/ {gsub(/[^0-9.e+]/, "", $2); print $2; exit}'
	wait "$srv" 2>/dev/null || true
}
bps=$(tcp_rate)
[ -n "$bps" ] || fail "iperf3 gave no result"
mbps=$(calc "$bps / 1000000")
within "$mbps" 18 22 || fail "TCP at 20 Mbit/s: measured $mbps Mbit/s"
ok "TCP at 20 Mbit/s: $(printf %.2f "$mbps") Mbit/s"

if [ "$backend" = relay ]; then
	# A capacity trace: one 1500-byte opportunity every ms = 12 Mbit/s, then two = 24.
	seq 1 1000 >"$TMP/12mbit.mmtrace"
	awk 'BEGIN {for (i = 1; i <= 1000; i++) print i "\n" i}' >"$TMP/24mbit.mmtrace"
	for want in 12 24; do
		shape --dir both --rate 0 --delay 1ms --trace "$TMP/${want}mbit.mmtrace"
		bps=$(tcp_rate)
		mbps=$(calc "$bps / 1000000")
		# TCP sees the frames' payload: 1448 of each 1514 bytes (about 96 %)
		within "$mbps" "$(calc "$want * 0.86")" "$(calc "$want * 1.02")" ||
			fail "trace of $want Mbit/s: TCP measured $mbps Mbit/s"
		ok "capacity trace of $want Mbit/s: TCP $(printf %.2f "$mbps") Mbit/s"
	done
fi

"$EDGEMU" down "$run"
assert_gone "$run"
ok "down removed everything"
