#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# app: process moved by CRIU inside a scenario run (issue 16), in the stock-kernel VM: a UE
# drives from enb1's cell to enb2's; the follow-me policy (always) moves its service, a plain
# program not ours (tests/vm/counter.py), from edge1 to edge2 with cold, and the run's results
# say so as for app: svc:
# - migrations.csv: one row, ok, the strategy, freeze < resume <= flip <= end, a downtime, the
#   program's memory in bytes; events.csv: decided, start, freeze, resume, flip, end, done, in
#   that order; summary.json: served at the destination; the report draws it;
# - the probe's answers came back after the migration from the destination, none lost after;
# - criu's logs in the results (criu/game-1/), not its images;
# - nothing left after the run (no criu, no program, no namespace).
# Then the same run interrupted (SIGINT) while its migration's dump runs (the engine stopped
# there by EDGEMU_TEST_STOP=criu-dump): the run ends (exit status 130 or 0 with the migration
# rolled back) and leaves nothing.
. "$(dirname "$0")/lib.sh"
need_apps probe
: "${EDGEMU_SRC:?EDGEMU_SRC must name the source tree (for tests/vm/counter.py)}"
command -v jq >/dev/null || { echo "SKIP: jq is missing (scripts/setup.sh)"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
"$EDGEMU" check 2>&1 | grep -qE '^  cold +works' || {
	echo "SKIP: CRIU does not work here for cold: $("$EDGEMU" check 2>&1 | grep -E '^  cold')"
	exit 77
}
left() { pgrep -f "criu (dump|pre-dump|page-server|restore|lazy-pages)|counter.py --port 7000" || true; }

scenario() { # FILE RUN
	cat >"$1" <<YAML
name: $2
duration: 16s
nodes:
  ue1:   { kind: ue }
  enb1:  { kind: enb, pos: [0, 0] }
  enb2:  { kind: enb, pos: [800, 0] }
  edge1: { kind: edge }
  edge2: { kind: edge }
  core:  { kind: router }
links:
  - { endpoints: [enb1, edge1], delay: 1ms, rate: 1gbit }
  - { endpoints: [enb2, edge2], delay: 1ms, rate: 1gbit }
  - { endpoints: [enb1, core], delay: 5ms, rate: 1gbit }
  - { endpoints: [enb2, core], delay: 5ms, rate: 1gbit }
  - { endpoints: [edge1, edge2], delay: 2ms, rate: 500mbit }
radio:
  model: log-distance
  tx_power: 46dBm
  exponent: 3.5
  ref_loss: 40dB
  min_signal: -110dBm
  delay: 4ms
  tick: 100ms
  handover: { hysteresis: 3dB, ttt: 160ms, interruption: 40ms }
mobility:
  ue1: { model: waypoints, points: [[50, 0, 0s], [750, 0, 6s]] }
services:
  game:
    vip: 10.200.0.1
    app: process
    command: "/usr/bin/python3 $EDGEMU_SRC/tests/vm/counter.py --port 7000 --mem 16 --dirty 100"
    port: 7000
    at: edge1
migration: { policy: always, strategy: cold }
probes:
  - { from: ue1, to: game, interval: 20ms }
YAML
}

# --- a run whose policy moves the program ---
run=$(rand_run)
RUNS+=("$run")
scenario "$TMP/a.yaml" "$run"
"$EDGEMU" run "$TMP/a.yaml" -o "$TMP/res" --quiet >"$TMP/a.out" 2>&1 || fail "run: $(cat "$TMP/a.out")"
res=$TMP/res
rows=$(tail -n +2 "$res/migrations.csv" | wc -l)
[ "$rows" = 1 ] || fail "$rows migrations: $(cat "$res/migrations.csv")"
# n,ue,service,from,to,strategy,decided_s,start_s,freeze_s,resume_s,flip_s,end_s,downtime_ms,
# client_gap_ms,total_ms,pages,bytes,rounds,ok,error,thaw_s,downtime_until
IFS=, read -r _ ue svc from to strat _ start freeze resume flip end down gap total pages bytes _ okc _ < <(tail -1 "$res/migrations.csv")
[ "$ue,$svc,$from,$to,$strat,$okc" = "ue1,game,edge1,edge2,cold,yes" ] ||
	fail "the row: $(tail -1 "$res/migrations.csv")"
awk -v a="$start" -v b="$freeze" -v c="$resume" -v d="$flip" -v e="$end" \
	'BEGIN {exit !(a <= b && b < c && c <= d && d <= e)}' || fail "phases out of order: $(tail -1 "$res/migrations.csv")"
within "$down" 1 60000 || fail "downtime $down ms"
[ "$bytes" -ge $((16 << 20)) ] || fail "$bytes bytes moved, less than the program's 16 MiB"
ok "migration: cold edge1 -> edge2, downtime $down ms (client gap $gap ms), total $total ms, $pages pages"
seq=$(awk -F, '$2 ~ /^migration_/ {print $2}' "$res/events.csv" | tr '\n' ' ')
[ "$seq" = "migration_decided migration_start migration_freeze migration_resume migration_flip migration_end migration_done " ] ||
	fail "events: $seq"
[ "$(jq -r '.migrations[0].served_at' "$res/summary.json")" = destination ] || fail "summary: $(jq -c '.migrations' "$res/summary.json")"
ok "events: $seq; summary: served at the destination"
# After the flip (plus a second), every request answered.
after=$(awk -F, -v t="$flip" 'NR > 1 && $3 == "game" && $1 > t + 1' "$res/rtt.csv" | wc -l)
lost=$(awk -F, -v t="$flip" 'NR > 1 && $3 == "game" && $1 > t + 1 && $5 == ""' "$res/rtt.csv" | wc -l)
[ "$after" -ge 50 ] && [ "$lost" -eq 0 ] || fail "after the flip: $after requests, $lost lost"
ok "after the flip: $after requests, none lost"
ls "$res"/criu/game-1/dump-1.log "$res"/criu/game-1/restore-1.log >/dev/null ||
	fail "criu's logs not in the results: $(ls -R "$res/criu" 2>&1 | head)"
[ -e "$res/criu/game-1/s" ] && fail "the images left in the results"
"$EDGEMU" report "$res" >/dev/null 2>"$TMP/rep.err" || fail "report: $(cat "$TMP/rep.err")"
[ -s "$res/report.html" ] || fail "no report.html"
assert_gone "$run"
[ -z "$(left)" ] || fail "left after the run: $(left)"
ok "report drawn; nothing left after the run"

# --- the same run interrupted in the middle of its migration's dump ---
run=$(rand_run)
RUNS+=("$run")
scenario "$TMP/b.yaml" "$run"
EDGEMU_TEST_STOP=criu-dump "$EDGEMU" run "$TMP/b.yaml" -o "$TMP/res2" --quiet >"$TMP/b.out" 2>&1 &
pid=$!
for ((i = 0; i < 1200; i++)); do
	[ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = T ] && break
	kill -0 "$pid" 2>/dev/null || fail "the run ended before its migration's dump: $(cat "$TMP/b.out")"
	sleep 0.05
done
pgrep -f "criu dump" >/dev/null || fail "no criu dump running at criu-dump"
kill -INT "$pid"
kill -CONT "$pid"
wait "$pid" && rc=0 || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 130 ] || fail "interrupted run exited $rc: $(cat "$TMP/b.out")"
assert_gone "$run"
[ -z "$(left)" ] || fail "left after the interrupted run: $(left)"
ok "interrupted during the dump: exit $rc, nothing left"
