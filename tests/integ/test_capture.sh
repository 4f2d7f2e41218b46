#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# capture: (issue 15): a probe's UDP packets in pcap files that tcpdump reads, on a wired
# path (a node whole, and one interface by name) and on a radio UE's ran0:
# - the files are there, one per interface, tcpdump reads them without a word, sees the
#   probe's port both ways, and counts as many packets as capture_end says were written;
# - a tiny capture_limit: a capture_limit event, a file at or under the limit, still read
#   whole, with the packets the event counts;
# - Ctrl-C (SIGINT to the whole process group) mid-run: files read whole, capture_end;
# - SIGKILL of edgemu: the captures close their files themselves and go, `edgemu clean`
#   removes the rest;
# - a capture killed mid-run: capture_error, the run goes on;
# - a node of 16 interfaces: every file's totals reach events.csv;
# - no capture process outlives its run.
# In a mount namespace of its own (isolate.sh): its `edgemu clean` sees only its own runs.
. "$(dirname "$0")/isolate.sh"
. "$(dirname "$0")/lib.sh"
need_apps probe echo
command -v tcpdump >/dev/null || { echo "SKIP: tcpdump is missing (scripts/setup.sh)"; exit 77; }

# captures_of RUN: pids of the live (not zombie) capture processes of run RUN (forks of its
# `edgemu run`, whose command line names it).
captures_of() {
	local p cmd
	for p in $(pgrep -x edgemu-capture || true); do
		[ "$(ps -o stat= -p "$p" 2>/dev/null | cut -c1)" = Z ] && continue
		cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null || true)
		[[ $cmd == *"--name $1 "* ]] && echo "$p"
	done
	return 0
}

# no_captures RUN: none left (waits up to 10 s for those that are closing).
no_captures() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ -z "$(captures_of "$1")" ] && return 0
		sleep 0.05
	done
	fail "capture processes of $1 left: $(captures_of "$1" | tr '\n' ' ')"
}

# read_ok FILE: tcpdump reads FILE to its end and says nothing but its header line; prints
# the packets it holds.
read_ok() {
	local n
	n=$(tcpdump -nr "$1" 2>"$TMP/tcpdump.err" | wc -l) || fail "tcpdump -r $1 failed: $(cat "$TMP/tcpdump.err")"
	grep -v '^reading from file' "$TMP/tcpdump.err" | grep -q . &&
		fail "tcpdump -r $1: $(cat "$TMP/tcpdump.err")"
	echo "$n"
}

# udp_count FILE PORT: packets of FILE to or from UDP port PORT.
udp_count() { tcpdump -nr "$1" "udp port $2" 2>/dev/null | wc -l; }

# has FILE FILTER ERE: a packet of FILE that FILTER selects reads as ERE in tcpdump -n. (Not
# a pipe into grep -q: tcpdump would die of SIGPIPE, and pipefail say no.)
has() {
	tcpdump -nr "$1" "$2" >"$TMP/dump" 2>/dev/null
	grep -Eq -- "$3" "$TMP/dump"
}

# ended EVENTS IF: the packets capture_end says were written to IF's file ("" if none).
ended() {
	awk -F, -v i="$2" '$2 == "capture_end" && index($4, "\"" i ": ") == 1' "$1" |
		sed -n 's/.*: \([0-9]*\) packets, .*/\1/p'
}

write_wired() {
	cat >"$1" <<EOF
name: $2
duration: 4s
nodes:
  a: { kind: ue }
  r: { kind: router }
  b: { kind: edge }
links:
  - { endpoints: [a, r], delay: 1ms }
  - { endpoints: [r, b], delay: 1ms }
services:
  echo: { vip: 10.200.0.9, at: b, port: 7000 }
probes:
  - { from: a, to: echo, interval: 10ms }
capture: [a, "b:eth0"]
EOF
}

# --- A whole run: both files read whole, the probe's packets both ways in each. ---
run=$(rand_run)
RUNS+=("$run")
write_wired "$TMP/w.yaml" "$run"
"$EDGEMU" run "$TMP/w.yaml" --name "$run" -o "$TMP/res1" --quiet >"$TMP/r1.out" 2>"$TMP/r1.err" ||
	fail "run failed: $(tail -3 "$TMP/r1.err")"
[ "$(ls "$TMP/res1/pcap" | tr '\n' ' ')" = "a-eth0.pcap b-eth0.pcap " ] ||
	fail "pcap/ holds: $(ls "$TMP/res1/pcap")"
answers=$(awk -F, 'NR > 1 && $5 != ""' "$TMP/res1/rtt.csv" | wc -l)
[ "$answers" -gt 100 ] || fail "only $answers probe answers in 4 s"
for f in a-eth0 b-eth0; do
	n=$(read_ok "$TMP/res1/pcap/$f.pcap")
	u=$(udp_count "$TMP/res1/pcap/$f.pcap" 7000)
	# Each answer is a request and a reply; a loss still sent its request.
	[ "$u" -ge $((2 * answers)) ] || fail "$f: $u UDP packets on port 7000 for $answers answers"
	# a sees the service's VIP; b its own address, as steering rewrote it on the way.
	to='10\.200\.0\.9'
	[ $f = b-eth0 ] && to='10\.[0-9]+\.[0-9]+\.[0-9]+'
	has "$TMP/res1/pcap/$f.pcap" 'udp dst port 7000' "> $to\.7000:" ||
		fail "$f: no request to the service"
	has "$TMP/res1/pcap/$f.pcap" 'udp src port 7000' "^[0-9:.]+ IP $to\.7000 >" ||
		fail "$f: no answer from the service"
	w=$(ended "$TMP/res1/events.csv" "${f/-/:}")
	[ "$w" = "$n" ] || fail "$f: capture_end says '$w' packets, tcpdump reads $n: $(grep capture "$TMP/res1/events.csv")"
done
grep -q capture_limit "$TMP/res1/events.csv" && fail "capture_limit without reaching it"
no_captures "$run"
assert_gone "$run"
ok "4 s run: a-eth0 and b-eth0 read whole, $u probe packets each ($answers answers), capture_end counts them"

# --- A tiny limit: the files stop at it, whole, and events.csv says so. ---
run=$(rand_run)
RUNS+=("$run")
write_wired "$TMP/w.yaml" "$run"
"$EDGEMU" run "$TMP/w.yaml" --name "$run" -o "$TMP/res2" --quiet --set capture_limit=64KiB \
	--set probes.0.interval=2ms >"$TMP/r2.out" 2>"$TMP/r2.err" || fail "run failed: $(tail -3 "$TMP/r2.err")"
for f in a-eth0 b-eth0; do
	size=$(stat -c %s "$TMP/res2/pcap/$f.pcap")
	[ "$size" -le 65536 ] || fail "$f: $size bytes past capture_limit 64KiB"
	# The next packet would have passed it: the file is within one packet of it.
	[ "$size" -gt 60000 ] || fail "$f: $size bytes, far under the limit it reached"
	n=$(read_ok "$TMP/res2/pcap/$f.pcap")
	grep -q "^[0-9.]*,capture_limit,-,\"${f/-/:}: pcap/$f.pcap: $size bytes, $n packets; " "$TMP/res2/events.csv" ||
		fail "$f: no capture_limit event for $size bytes, $n packets: $(grep capture "$TMP/res2/events.csv")"
	[ "$(grep -c "capture_limit,-,\"${f/-/:}:" "$TMP/res2/events.csv")" -eq 1 ] ||
		fail "$f: capture_limit said more than once"
	[ "$(ended "$TMP/res2/events.csv" "${f/-/:}")" = "$n" ] || fail "$f: capture_end does not count $n packets"
done
no_captures "$run"
assert_gone "$run"
ok "capture_limit 64KiB: files of $size bytes or less, read whole, capture_limit and capture_end events"

# --- Ctrl-C: SIGINT to the whole process group, captures included, in the middle. ---
run=$(rand_run)
RUNS+=("$run")
write_wired "$TMP/w.yaml" "$run"
# Its own process group, as a terminal's foreground job; SIGINT back to its default.
(trap - INT; exec setsid "$EDGEMU" run "$TMP/w.yaml" --name "$run" -o "$TMP/res3" --quiet \
	--duration 60s) >"$TMP/r3.out" 2>"$TMP/r3.err" &
pid=$!
wait_running "$run" "$pid" || fail "run did not start: $(tail -3 "$TMP/r3.err")"
for ((i = 0; i < 400; i++)); do
	[ "$(stat -c %s "$TMP/res3/pcap/a-eth0.pcap" 2>/dev/null || echo 0)" -gt 10000 ] && break
	sleep 0.05
done
[ -n "$(captures_of "$run")" ] || fail "no capture process while the run goes"
pgid=$(ps -o pgid= -p "$pid" | tr -d ' ')
[ "$pgid" = "$pid" ] || fail "edgemu is not its process group's leader ($pgid)"
kill -INT -- "-$pgid"
st=0
wait "$pid" || st=$?
[ $st -eq 130 ] || fail "exit status $st after SIGINT, expected 130: $(tail -3 "$TMP/r3.err")"
for f in a-eth0 b-eth0; do
	n=$(read_ok "$TMP/res3/pcap/$f.pcap")
	[ "$(udp_count "$TMP/res3/pcap/$f.pcap" 7000)" -gt 50 ] || fail "$f: few probe packets before SIGINT"
	[ "$(ended "$TMP/res3/events.csv" "${f/-/:}")" = "$n" ] || fail "$f after SIGINT: capture_end does not count $n packets: $(grep capture "$TMP/res3/events.csv")"
done
grep -q ',interrupted,' "$TMP/res3/events.csv" || fail "no interrupted event"
no_captures "$run"
assert_gone "$run"
ok "SIGINT to the process group: files read whole, capture_end for each, nothing left"

# --- SIGKILL: the captures close their files as they die with edgemu; clean does the rest. ---
run=$(rand_run)
RUNS+=("$run")
write_wired "$TMP/w.yaml" "$run"
"$EDGEMU" run "$TMP/w.yaml" --name "$run" -o "$TMP/res4" --quiet --duration 60s \
	>"$TMP/r4.out" 2>"$TMP/r4.err" &
pid=$!
wait_running "$run" "$pid" || fail "run did not start: $(tail -3 "$TMP/r4.err")"
for ((i = 0; i < 400; i++)); do
	[ "$(stat -c %s "$TMP/res4/pcap/b-eth0.pcap" 2>/dev/null || echo 0)" -gt 10000 ] && break
	sleep 0.05
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
no_captures "$run"
for f in a-eth0 b-eth0; do
	n=$(read_ok "$TMP/res4/pcap/$f.pcap")
	[ "$(udp_count "$TMP/res4/pcap/$f.pcap" 7000)" -gt 50 ] || fail "$f: few probe packets before SIGKILL ($n in all)"
done
out=$("$EDGEMU" clean)
grep -q "^run $run: removed" <<<"$out" || fail "clean did not remove $run: $out"
assert_gone "$run"
ok "SIGKILL: the captures closed their files and went by themselves; clean removed the run"

# --- Radio: a UE's ran0 (by the node) and an eNB's, with the UE's one address. ---
run=$(rand_run)
RUNS+=("$run")
cat >"$TMP/r.yaml" <<EOF
name: $run
duration: 3s
nodes:
  ue1: { kind: ue, pos: [10, 0] }
  enb1: { kind: enb, pos: [0, 0] }
  e: { kind: edge }
links:
  - { endpoints: [enb1, e], delay: 1ms }
radio: {}
services:
  echo: { vip: 10.200.0.9, at: e, port: 7000 }
probes:
  - { from: ue1, to: echo, interval: 10ms }
capture: [ue1, "enb1:ran0"]
EOF
"$EDGEMU" run "$TMP/r.yaml" --name "$run" -o "$TMP/res5" --quiet >"$TMP/r5.out" 2>"$TMP/r5.err" ||
	fail "radio run failed: $(tail -3 "$TMP/r5.err")"
[ "$(ls "$TMP/res5/pcap" | tr '\n' ' ')" = "enb1-ran0.pcap ue1-ran0.pcap " ] ||
	fail "radio: pcap/ holds: $(ls "$TMP/res5/pcap")"
for f in ue1-ran0 enb1-ran0; do
	read_ok "$TMP/res5/pcap/$f.pcap" >/dev/null
	has "$TMP/res5/pcap/$f.pcap" 'udp port 7000' '100\.64\.0\.1\.[0-9]+ > 10\.200\.0\.9\.7000:' ||
		fail "radio: $f lacks the UE's requests"
done
no_captures "$run"
assert_gone "$run"
ok "radio: ue1's and enb1's ran0 carry the UE's probe from 100.64.0.1"

# --- A capture killed mid-run: said at once and at the end; the run and the others go on. ---
run=$(rand_run)
RUNS+=("$run")
write_wired "$TMP/w.yaml" "$run"
sed -i 's/^capture: .*/capture: ["a:eth0", b]/' "$TMP/w.yaml"
"$EDGEMU" run "$TMP/w.yaml" --name "$run" -o "$TMP/res8" --quiet --duration 5s >"$TMP/r8.out" 2>"$TMP/r8.err" &
pid=$!
wait_running "$run" "$pid" || fail "run did not start: $(tail -3 "$TMP/r8.err")"
sleep 1
# The capture of a: the one whose pcap/a-eth0.pcap is open.
victim=""
for p in $(captures_of "$run"); do
	for l in /proc/"$p"/fd/*; do
		[[ $(readlink "$l" 2>/dev/null) == */a-eth0.pcap ]] && victim=$p
	done
done
[ -n "$victim" ] || fail "no capture process holds a-eth0.pcap"
kill -9 "$victim"
st=0
wait "$pid" || st=$?
[ $st -eq 0 ] || fail "a killed capture ended the run: exit status $st: $(tail -3 "$TMP/r8.err")"
grep -q ',capture_error,-,"node a: its capture ended before the run did"' "$TMP/res8/events.csv" ||
	fail "no capture_error when a's capture died: $(grep capture "$TMP/res8/events.csv")"
grep -q ',capture_error,-,"a:eth0: pcap/a-eth0.pcap: no totals' "$TMP/res8/events.csv" ||
	fail "no capture_error for a:eth0 at the end: $(grep capture "$TMP/res8/events.csv")"
n=$(read_ok "$TMP/res8/pcap/b-eth0.pcap")
[ "$(ended "$TMP/res8/events.csv" b:eth0)" = "$n" ] || fail "b:eth0 after a's capture died: no capture_end of $n packets"
no_captures "$run"
assert_gone "$run"
ok "a capture killed mid-run: capture_error then and at the end; the run completed, b's file whole"

# --- A node of more interfaces than a socket queues reports (10): every one's totals. ---
run=$(rand_run)
RUNS+=("$run")
write_star "$TMP/star.yaml" "$run" 17
printf 'duration: 1s\ncapture: [hub]\n' >>"$TMP/star.yaml"
"$EDGEMU" run "$TMP/star.yaml" --name "$run" -o "$TMP/res7" --quiet >"$TMP/r7.out" 2>"$TMP/r7.err" ||
	fail "star run failed: $(tail -3 "$TMP/r7.err")"
[ "$(ls "$TMP/res7/pcap" | wc -l)" -eq 16 ] || fail "star: pcap/ holds $(ls "$TMP/res7/pcap" | wc -l) files, not 16"
for ((i = 0; i < 16; i++)); do
	n=$(read_ok "$TMP/res7/pcap/hub-eth$i.pcap")
	[ "$(ended "$TMP/res7/events.csv" "hub:eth$i")" = "$n" ] || fail "star: no capture_end of $n packets for hub:eth$i"
done
no_captures "$run"
assert_gone "$run"
ok "a node of 16 interfaces: 16 files, each with its capture_end"

# --- A file that is there already is never written over: an error before the clock. ---
run=$(rand_run)
RUNS+=("$run")
write_wired "$TMP/w.yaml" "$run"
mkdir -p "$TMP/res6/pcap"
echo keep >"$TMP/res6/pcap/b-eth0.pcap"
st=0
"$EDGEMU" run "$TMP/w.yaml" --name "$run" -o "$TMP/res6" --quiet >"$TMP/r6.out" 2>"$TMP/r6.err" || st=$?
[ $st -eq 1 ] || fail "a run over an existing pcap file: exit status $st"
grep -qx "edgemu run: capturing b:eth0: pcap/b-eth0.pcap: File exists" "$TMP/r6.err" ||
	fail "no error naming b:eth0: $(cat "$TMP/r6.err")"
[ "$(cat "$TMP/res6/pcap/b-eth0.pcap")" = keep ] || fail "the existing file was written over"
no_captures "$run"
assert_gone "$run"
ok "an existing pcap file: refused with b:eth0 named, left as it was"
