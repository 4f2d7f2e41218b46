#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# edgemu-svc in a real node: its 16 MiB of state is real memory; a 1 ms probe through a 2 ms
# link with --check-counter sees every counter rise by one and the service's instance id; two
# clients sharing a client id are caught by the check; a TCP client gets the same answers on
# the same port and shares the counter with UDP; on SIGTERM the service reports the pages its
# workload dirtied, 1000 a second; an incoming instance no source reaches exits by itself.
. "$(dirname "$0")/lib.sh"

need_apps svc probe

# Background apps go in PIDS: lib.sh's cleanup kills them before it takes the run down.

run=$(rand_run)
RUNS+=("$run")
cat >"$TMP/svc.yaml" <<YAML
name: svc
nodes:
  a: { kind: host }
  b: { kind: host }
links:
  - { endpoints: [a, b], delay: 2ms }
YAML
"$EDGEMU" up "$TMP/svc.yaml" --name "$run" >/dev/null
ok "up: hosts a, b, 2 ms apart"

x() { "$EDGEMU" exec "$run" "$@"; }
json() { jq -r "$2" "$1"; }

# tcp_client HOST PORT CLIENT N: N requests back to back on one TCP connection (bash's
# /dev/tcp, so the test needs no client of its own); prints "instance counter kind seq" for
# each answer.
tcp_client() {
	local host=$1 port=$2 client=$3 n=$4 req="" cid hex a inst i j
	exec 3<>"/dev/tcp/$host/$port"
	cid=$(printf '\\x%02x' $((client >> 24 & 255)) $((client >> 16 & 255)) \
		$((client >> 8 & 255)) $((client & 255)))
	for ((i = 0; i < n; i++)); do
		# magic, version 1, kind 1, flags, client id, reserved0, seq (i), send_ns, reserved
		req+="\\x45\\x44\\x4d\\x55\\x01\\x01\\x00\\x00${cid}$(printf '\\x00%.0s' {1..11})"
		req+="\\x$(printf %02x "$i")$(printf '\\x00%.0s' {1..24})"
	done
	printf "$req" >&3
	hex=$(timeout 5 head -c $((n * 88)) <&3 | od -An -v -tx1 | tr -d ' \n')
	exec 3>&-
	for ((i = 0; i < n; i++)); do
		a=${hex:$((i * 176)):176}
		[ ${#a} -eq 176 ] || { echo "short answer $i"; return 1; }
		inst=""
		for ((j = 96; j < 128; j += 2)); do
			[ "${a:j:2}" = 00 ] && break
			inst+=$(printf "\\x${a:j:2}")
		done
		echo "$inst $((16#${a:128:16})) $((16#${a:10:2})) $((16#${a:32:16}))"
	done
}

# --- The service: 16 MiB, 1000 pages/s, UDP and TCP. ---
"$EDGEMU" exec "$run" b -- "$EDGEMU_APPS/edgemu-svc" --id svc-b --state 16MiB \
	--dirty-rate 1000/s --pattern hotset --hot 25% --seed 7 --tcp 2>"$TMP/svc.err" &
svc=$!
PIDS+=($svc)
# However long touching 16 MiB takes on a busy machine (an ASan build: seconds).
for ((i = 0; i < 1200; i++)); do
	grep -q "listening" "$TMP/svc.err" 2>/dev/null && break
	kill -0 "$svc" 2>/dev/null || break
	sleep 0.05
done
grep -q "listening" "$TMP/svc.err" || fail "edgemu-svc did not start: $(cat "$TMP/svc.err")"
grep -q "state 4096 pages .*dirtying 1000 pages/s hotset (1024 pages)" "$TMP/svc.err" ||
	fail "start line: $(cat "$TMP/svc.err")"
# Every page touched at start: the resident set holds the whole state.
rss=$(sed -n 's/.*(RSS \([0-9]*\) KiB).*/\1/p' "$TMP/svc.err")
[ -n "$rss" ] && [ "$rss" -ge 16384 ] || fail "RSS ${rss:-?} KiB for 16 MiB of state"
if [ -r "/proc/$svc/status" ]; then
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$svc/status")
	[ "$rss" -ge 16384 ] || fail "VmRSS $rss KiB for 16 MiB of state"
fi
ok "svc-b in b: 16 MiB of state, resident set $rss KiB"

# --- A 1 ms probe for 2 s checks every counter. ---
x a -- "$EDGEMU_APPS/edgemu-probe" b --interval 1ms --duration 2s --check-counter \
	--client-id 1001 --csv "$TMP/p1.csv" --json "$TMP/p1.json" >"$TMP/p1.out" ||
	fail "probe exited $?: $(cat "$TMP/p1.out")"
sent=$(json "$TMP/p1.json" .sent)
answered=$(json "$TMP/p1.json" .answered)
errors=$(json "$TMP/p1.json" .counter_errors)
[ "$sent" -eq 2000 ] || fail "2 s at 1 ms sent $sent requests"
[ "$answered" -ge 1990 ] || fail "answered $answered of $sent"
[ "$errors" = 0 ] || fail "$errors counter errors: $(grep '^counter,' "$TMP/p1.csv" | head -3)"
grep -q '^counter,' "$TMP/p1.csv" && fail "counter events in the CSV with no counter error"
[ "$(json "$TMP/p1.json" .instance)" = svc-b ] || fail "instance $(json "$TMP/p1.json" .instance)"
grep -q "^counter errors 0$" "$TMP/p1.out" || fail "text summary: $(cat "$TMP/p1.out")"
ok "probe a -> b at 1 ms: $answered of $sent answered by svc-b, 0 counter errors"

# --- Two clients under one id: their answers interleave, so counters jump. The second runs
# its 500 requests while the first runs, however late a busy machine starts it. ---
"$EDGEMU" exec "$run" a -- "$EDGEMU_APPS/edgemu-probe" b --interval 1ms --duration 120s \
	--check-counter --client-id 2002 --quiet --csv "$TMP/d1.csv" --json "$TMP/d1.json" &
dup1=$!
PIDS+=("$dup1")
for ((i = 0; i < 1200; i++)); do
	n=$(grep -c '^answer,' "$TMP/d1.csv" 2>/dev/null || true)
	[ "${n:-0}" -ge 50 ] && break
	sleep 0.05
done
"$EDGEMU" exec "$run" a -- "$EDGEMU_APPS/edgemu-probe" b --interval 1ms --count 500 \
	--check-counter --client-id 2002 --quiet --csv "$TMP/d2.csv" --json "$TMP/d2.json" ||
	fail "the second probe sharing a client id failed"
kill -TERM "$dup1"
wait "$dup1" || fail "the first probe sharing a client id failed"
e1=$(json "$TMP/d1.json" .counter_errors)
e2=$(json "$TMP/d2.json" .counter_errors)
[ $((e1 + e2)) -gt 0 ] || fail "two probes with one client id: no counter error"
n=$(grep -c '^counter,[0-9]*,[0-9]*,[0-9]*,,[0-9]*->[0-9]*$' "$TMP/d1.csv" || true)
[ "$n" -eq "$e1" ] || fail "$e1 counter errors, $n counter events in the CSV"
ok "two probes sharing a client id: $e1 + $e2 counter errors, each a CSV event"

# --- TCP on the same port; the counter is the client's, whatever the transport. ---
x a -- bash -c "$(declare -f tcp_client); tcp_client b 7007 1001 3" >"$TMP/tcp.out" ||
	fail "TCP client: $(cat "$TMP/tcp.out")"
c0=$(json "$TMP/p1.json" .answered)
expect=$(printf 'svc-b %d 2 0\nsvc-b %d 2 1\nsvc-b %d 2 2' $((c0 + 1)) $((c0 + 2)) $((c0 + 3)))
[ "$(cat "$TMP/tcp.out")" = "$expect" ] ||
	fail "TCP answers: $(cat "$TMP/tcp.out"), expected counters from $((c0 + 1))"
ok "TCP: 3 requests on one connection, counters $((c0 + 1)) to $((c0 + 3)) after UDP's $c0"

# --- SIGTERM: the summary, with 1000 pages dirtied a second. ---
kill -TERM "$svc"
rc=0
wait "$svc" || rc=$?
[ "$rc" -eq 0 ] || fail "svc stopped by SIGTERM exited $rc: $(cat "$TMP/svc.err")"
line=$(grep "requests answered" "$TMP/svc.err") || fail "no summary: $(cat "$TMP/svc.err")"
pages=$(sed -n 's/.* \([0-9]*\) pages dirtied in \([0-9.]*\) s.*/\1/p' <<<"$line")
secs=$(sed -n 's/.* \([0-9]*\) pages dirtied in \([0-9.]*\) s.*/\2/p' <<<"$line")
[ -n "$pages" ] && [ -n "$secs" ] || fail "summary: $line"
# Up for the 2 s probe and the rest of the test: a few seconds (more on a busy machine).
within "$secs" 2 300 || fail "svc up for $secs s"
# The count is exact to a page at the moment of SIGTERM, the uptime printed to the ms: 1%.
within "$pages" "$(calc "$secs * 1000 * 0.99")" "$(calc "$secs * 1000 * 1.01 + 1")" ||
	fail "$pages pages dirtied in $secs s at 1000/s"
# Every answer a probe saw was counted; the first sharing probe, stopped by SIGTERM, may
# not have seen the answers to its last requests.
udp=$((answered + $(json "$TMP/d1.json" .answered) + $(json "$TMP/d2.json" .answered)))
unseen=$(($(json "$TMP/d1.json" .sent) - $(json "$TMP/d1.json" .answered)))
n=$(sed -n 's/.* answered (UDP \([0-9]*\), TCP 3), 2 clients, .*/\1/p' <<<"$line")
[ -n "$n" ] && [ "$n" -ge "$udp" ] && [ "$n" -le $((udp + unseen)) ] ||
	fail "summary: $line; expected UDP $udp to $((udp + unseen)), TCP 3, 2 clients"
ok "svc-b on SIGTERM: $pages pages dirtied in $secs s, rate $(calc "$pages / $secs")/s"

# An incoming instance that no source ever reaches (whoever started it died before telling
# the source anything) does not wait forever: it exits after its timeout and 2 s.
rc=0
x b -- timeout 30 "$EDGEMU_APPS/edgemu-svc" --id svc-in --port 7011 --state 64KiB \
	--incoming 7111 --timeout 100 2>"$TMP/in.err" || rc=$?
[ "$rc" = 1 ] && grep -q "no source connected within 2100 ms: this instance exits" "$TMP/in.err" ||
	fail "incoming, no source: exit $rc: $(cat "$TMP/in.err")"
ok "an incoming instance no source reaches exits after its timeout and 2 s"

"$EDGEMU" down "$run"
assert_gone "$run"
ok "down removed everything"
