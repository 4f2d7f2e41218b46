#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# traffic: flows (issue 15): edgemu-bulk pairs the runner starts, measures and stops.
# 1. Wired: an unpaced flow over a 20 Mbit/s link gives throughput.csv rows every ~100 ms
#    whose mean is 20 Mbit/s within 15% (TCP's goodput is 96% of it); a flow paced to
#    5 Mbit/s, about 5; a flow whose link loses everything for 8 s breaks (flow_broken),
#    connects again once the loss is lifted (flow_reconnect), and the run still ends 0.
# 2. Radio: a UE downloads while it drives across three cells: rows with bytes on both sides
#    of each handover, and the summary's phases before, during and after.
# After each run no edgemu-bulk of it is left.
. "$(dirname "$0")/lib.sh"
need_apps bulk

# rows CSV FLOW: the flow's rows, "t_s bytes mbps".
rows() { awk -F, -v f="$2" 'NR > 1 && $2 == f {print $1, $3, $4}' "$1"; }
# left RUN: the run's edgemu-bulk processes (their --report path names the run).
left() { pgrep -f "edgemu-bulk .*/run/edgemu/$1/" || true; }

run=$(rand_run)
RUNS+=("$run")
cat >"$TMP/wired.yaml" <<YAML
name: trw
nodes:
  a: { kind: host }
  r: { kind: router }
  b: { kind: host }
  c: { kind: host }
  d: { kind: host }
links:
  - { endpoints: [a, r], delay: 2ms }
  - { endpoints: [r, b], delay: 2ms, rate: 20mbit }
  - { endpoints: [r, c], delay: 2ms }
  - { endpoints: [r, d], delay: 2ms }
traffic:
  - { name: full, from: a, to: b, at: 500ms }
  - { name: paced, from: a, to: c, rate: 5mbit, at: 500ms, until: 12s }
  - { name: cut, from: a, to: d, rate: 2mbit }
YAML
run_bg 1 "$run" "$TMP/wired.yaml" 16s
sleep 2
"$EDGEMU" shape "$run" d:eth0 --dir both --loss 100% >/dev/null || fail "shape: loss 100%"
sleep 8
"$EDGEMU" shape "$run" d:eth0 --dir both --loss 0% >/dev/null || fail "shape: loss 0%"
wait "$pid" || fail "the run exited $?: $(tail -3 "$TMP/r1.err")"
res=$TMP/res1
[ "$(head -1 "$res/throughput.csv")" = "t_s,flow,bytes,mbps" ] || fail "throughput.csv header"
[ -z "$(left "$run")" ] || fail "edgemu-bulk left after the run: $(left "$run")"
for spec in full:20 paced:5; do
	f=${spec%:*} want=${spec#*:}
	rows "$res/throughput.csv" "$f" >"$TMP/$f.rows"
	n=$(wc -l <"$TMP/$f.rows")
	[ "$n" -ge 80 ] || fail "flow $f: $n rows in throughput.csv"
	# Every ~100 ms: the median gap between rows.
	gap=$(awk 'NR > 1 {print $1 - t} {t = $1}' "$TMP/$f.rows" | sort -g |
		awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}')
	within "$gap" 0.09 0.11 || fail "flow $f: rows $gap s apart, expected 0.1"
	mean=$(awk '{s += $3} END {print s / NR}' "$TMP/$f.rows")
	within "$mean" "$(calc "$want * 0.85")" "$(calc "$want * 1.15")" ||
		fail "flow $f: mean $mean Mbit/s over its rows, expected $want within 15%"
	ok "flow $f: $n rows $gap s apart, mean $mean Mbit/s"
done
grep -q ',flow_broken,-,"cut: ' "$res/events.csv" ||
	fail "no flow_broken for the cut flow: $(grep flow_ "$res/events.csv")"
grep -q ',flow_reconnect,-,"cut: connected again after' "$res/events.csv" ||
	fail "no flow_reconnect for the cut flow: $(grep flow_ "$res/events.csv")"
broken=$(jq '.flows[] | select(.name == "cut") | .broken' "$res/summary.json")
[ "$broken" -ge 1 ] || fail "summary: cut broke $broken times"
[ "$(jq -r .ended "$res/summary.json")" = completed ] || fail "the run did not complete"
after=$(awk -F, '$2 == "flow_reconnect" {print $1; exit}' "$res/events.csv")
got=$(rows "$res/throughput.csv" cut | awk -v t="$after" '$1 > t && $2 > 0' | wc -l)
[ "$got" -ge 5 ] || fail "cut: $got rows with bytes after it connected again at $after s"
ok "cut flow: broken at $(awk -F, '$2 == "flow_broken" {print $1; exit}' "$res/events.csv") s, connected again at $after s, $got rows with bytes after; the run ended 0"
jq -e '.flows | length == 3 and all(.[]; .goodput_mbps.before != null and .goodput_mbps.during == null)' \
	"$res/summary.json" >/dev/null || fail "summary flows: $(jq -c .flows "$res/summary.json")"

# --- a download across handovers ---
run=$(rand_run)
RUNS+=("$run")
cat >"$TMP/drive.yaml" <<YAML
name: trr
seed: 3
nodes:
  ue1:   { kind: ue }
  enb1:  { kind: enb, pos: [0, 0] }
  enb2:  { kind: enb, pos: [600, 0] }
  enb3:  { kind: enb, pos: [1200, 0] }
  core:  { kind: router }
  cloud: { kind: cloud }
links:
  - { endpoints: [enb1, core], delay: 2ms }
  - { endpoints: [enb2, core], delay: 2ms }
  - { endpoints: [enb3, core], delay: 2ms }
  - { endpoints: [core, cloud], delay: 5ms }
radio:
  delay: 2ms
  tick: 50ms
  handover: { hysteresis: 3dB, ttt: 100ms, interruption: 40ms }
mobility:
  ue1: { model: waypoints, points: [[50, 0, 0s], [50, 0, 3s], [1150, 0, 15s]] }
traffic:
  - { name: dl, from: cloud, to: ue1, rate: 10mbit, at: 1s }
YAML
run_bg 2 "$run" "$TMP/drive.yaml" 18s
wait "$pid" || fail "the radio run exited $?: $(tail -3 "$TMP/r2.err")"
res=$TMP/res2
[ -z "$(left "$run")" ] || fail "edgemu-bulk left after the radio run: $(left "$run")"
rows "$res/throughput.csv" dl >"$TMP/dl.rows"
hos=$(awk -F, '$2 == "handover" && /\(a3\)/ {print $1}' "$res/events.csv")
[ "$(echo "$hos" | grep -c .)" -ge 2 ] || fail "handovers: $(grep handover "$res/events.csv")"
for t in $hos; do
	pre=$(awk -v t="$t" '$1 < t && $1 > t - 1 && $2 > 0' "$TMP/dl.rows" | wc -l)
	post=$(awk -v t="$t" '$1 > t && $1 < t + 1.5 && $2 > 0' "$TMP/dl.rows" | wc -l)
	[ "$pre" -ge 3 ] && [ "$post" -ge 3 ] ||
		fail "handover at $t s: $pre rows with bytes in the second before, $post in the 1.5 s after"
done
grep -q ',flow_broken,' "$res/events.csv" && fail "the flow broke: $(grep flow_ "$res/events.csv")"
jq -e '.flows[0] | .name == "dl" and .from == "cloud" and .to == "ue1" and .bytes > 0 and
	.goodput_mbps.before > 5 and .goodput_mbps.during > 0 and .goodput_mbps.after > 5 and .broken == 0' \
	"$res/summary.json" >/dev/null || fail "summary flows: $(jq -c .flows "$res/summary.json")"
ok "download across $(echo "$hos" | grep -c .) handovers: rows with bytes on both sides of each; goodput $(jq -c '.flows[0].goodput_mbps' "$res/summary.json")"

# --- Ctrl-C: the flows stop with the run, their rows and summary kept ---
run=$(rand_run)
RUNS+=("$run")
sed "s/^name: trw/name: tri/" "$TMP/wired.yaml" >"$TMP/int.yaml"
# A background job of a script ignores SIGINT unless told otherwise: set it back.
(trap - INT; exec "$EDGEMU" run "$TMP/int.yaml" --name "$run" -o "$TMP/res3" --duration 30s \
	--quiet) >"$TMP/r3.out" 2>"$TMP/r3.err" &
pid=$!
wait_running "$run" "$pid" || fail "the run to interrupt did not start: $(tail -3 "$TMP/r3.err")"
sleep 3
kill -INT "$pid"
set +e
wait "$pid"
st=$?
set -e
[ "$st" -eq 130 ] || fail "Ctrl-C: exit status $st, expected 130: $(tail -3 "$TMP/r3.err")"
[ -z "$(left "$run")" ] || fail "edgemu-bulk left after Ctrl-C: $(left "$run")"
assert_gone "$run"
n=$(rows "$TMP/res3/throughput.csv" full | wc -l)
[ "$n" -ge 15 ] || fail "Ctrl-C: $n rows of the full flow"
jq -e '.ended == "interrupted" and (.flows | length == 3) and .flows[0].bytes > 0' \
	"$TMP/res3/summary.json" >/dev/null || fail "Ctrl-C: summary $(jq -c '{ended, flows}' "$TMP/res3/summary.json")"
ok "Ctrl-C: exit 130, $n rows of the full flow, its summary, nothing left running"
