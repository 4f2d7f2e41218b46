#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# edgemu sweep on the quickstart experiment, sped up (6 s runs, the UE from 300 m to 750 m in
# 4 s: the handover at 1.5 s, the migration done by 2 s, 4 s of margin for a loaded machine
# or an ASan build), migration.strategy over [cold, postcopy], repeat 2:
# - a value that makes no valid scenario stops the sweep before anything runs, at its line
#   and column;
# - 4 runs, each complete, sweep.csv with 4 rows, summary.csv with 2, sweep.html with its
#   charts; cold's downtime above post-copy's;
# - SIGINT after the first run: exit 130, one complete run, nothing left behind, a resume
#   hint; the same command again runs the 3 others only and ends with 4 complete runs (these
#   runs are cut to 3 s with --duration: what they prove needs no migration);
# - no namespace, run folder or process of the sweep's runs is left.
. "$(dirname "$0")/lib.sh"
: "${EDGEMU_SRC:?EDGEMU_SRC must name the source tree}"

base=$(rand_run)
scen=$TMP/sweep.yaml
sed -e "s/^name: quickstart$/name: $base/" -e 's/^duration: 30s$/duration: 6s/' \
	-e 's/\[\[50, 0, 0s\], \[750, 0, 30s\]\]/[[300, 0, 0s], [750, 0, 4s]]/' \
	"$EDGEMU_SRC/experiments/quickstart.yaml" >"$scen"
grep -q "^name: $base$" "$scen" && grep -q '^duration: 6s$' "$scen" &&
	grep -q '\[\[300, 0, 0s\], \[750, 0, 4s\]\]' "$scen" ||
	fail "experiments/quickstart.yaml changed: $scen"
cat >>"$scen" <<'EOF'

sweep:
  vary:
    migration.strategy: [cold, postcopy]
  repeat: 2
EOF

# The runs of this sweep are named <base>-<pid>-<i>: whatever is left goes at the end.
down_left() {
	local d
	for d in /run/edgemu/"$base"-*; do
		[ -d "$d" ] && "$EDGEMU" down "$(basename "$d")" >/dev/null 2>&1 || true
	done
}
trap 'rc=$?; down_left; (exit $rc); cleanup' EXIT
assert_none_left() {
	ip netns list | grep -q "^em-$base-" && fail "$1: namespaces left: $(ip netns list | grep "^em-$base-" | head -3)"
	ls -d /run/edgemu/"$base"-* >/dev/null 2>&1 && fail "$1: run folders left: $(ls -d /run/edgemu/"$base"-*)"
	pgrep -f "edgemu run $scen" >/dev/null && fail "$1: an edgemu run of the sweep still runs"
	return 0
}
completes() { find "$1" -name complete | wc -l; }
started() { grep -c ': running$' "$1" || true; }

# A bad value: nothing runs, the error names its place.
sed 's/\[cold, postcopy\]/[cold, warm]/' "$scen" >"$TMP/bad.yaml"
rc=0
"$EDGEMU" sweep "$TMP/bad.yaml" -o "$TMP/bad" >"$TMP/bad.out" 2>"$TMP/bad.err" || rc=$?
line=$(grep -n 'migration.strategy: \[cold, warm\]' "$TMP/bad.yaml" | cut -d: -f1)
[ "$rc" = 1 ] || fail "bad value: exit $rc"
grep -q "$TMP/bad.yaml:$line:32: sweep: migration.strategy=warm: unknown strategy 'warm'" \
	"$TMP/bad.err" || fail "bad value: $(cat "$TMP/bad.err")"
[ -e "$TMP/bad" ] && fail "bad value: the results folder was made"
ok "a bad value: exit 1 before anything runs, at $line:32"

# The whole sweep.
t0=$(date +%s)
"$EDGEMU" sweep "$scen" -o "$TMP/s1" >"$TMP/s1.out" 2>"$TMP/s1.err" ||
	fail "sweep failed: $(tail -5 "$TMP/s1.err")"
assert_none_left "sweep"
[ "$(started "$TMP/s1.err")" = 4 ] || fail "sweep: $(started "$TMP/s1.err") runs started: $(cat "$TMP/s1.err")"
[ "$(completes "$TMP/s1")" = 4 ] || fail "sweep: $(completes "$TMP/s1") complete runs"
for d in c1-cold/rep-0 c1-cold/rep-1 c2-postcopy/rep-0 c2-postcopy/rep-1; do
	[ -s "$TMP/s1/$d/summary.json" ] || fail "sweep: no $d/summary.json"
done
jq -e '.runs | length == 4' "$TMP/s1/plan.json" >/dev/null || fail "plan.json: $(cat "$TMP/s1/plan.json")"
jq -e '[.runs[].seed] == [1, 1, 2, 2]' "$TMP/s1/plan.json" >/dev/null ||
	fail "plan.json seeds: $(jq -c '[.runs[].seed]' "$TMP/s1/plan.json")"
jq -e '.seed == 2' "$TMP/s1/c1-cold/rep-1/meta.json" >/dev/null ||
	fail "rep 1 did not run with seed 2: $(cat "$TMP/s1/c1-cold/rep-1/meta.json")"
[ "$(wc -l <"$TMP/s1/sweep.csv")" = 5 ] || fail "sweep.csv: $(cat "$TMP/s1/sweep.csv")"
[ "$(wc -l <"$TMP/s1/summary.csv")" = 3 ] || fail "summary.csv: $(cat "$TMP/s1/summary.csv")"
# Columns: combination, migration.strategy, runs, downtime_ms_n, _mean, _ci95, ...
cold=$(awk -F, '$2 == "cold" {print $5}' "$TMP/s1/summary.csv")
post=$(awk -F, '$2 == "postcopy" {print $5}' "$TMP/s1/summary.csv")
awk -F, 'NR > 1 && ($3 != 2 || $4 != 2 || $6 == "")' "$TMP/s1/summary.csv" | grep -q . &&
	fail "summary.csv: not 2 runs with an interval each: $(cat "$TMP/s1/summary.csv")"
within "$(calc "$cold - 10 * $post")" 0 100000 ||
	fail "cold downtime $cold ms not well above post-copy's $post ms"
for m in downtime client-gap total moved rtt-p50 rtt-p95 rtt-p99 migrations handovers; do
	grep -q "<figure id=\"bars-$m\" data-bars=\"2\"" "$TMP/s1/sweep.html" ||
		fail "sweep.html: no chart $m"
done
[ "$(grep -o 'class="bar"' "$TMP/s1/sweep.html" | wc -l)" -ge 18 ] || fail "sweep.html: bars missing"
grep -q 'mean +-95% confidence interval' "$TMP/s1.out" || fail "no table: $(cat "$TMP/s1.out")"
# The latest migration's end, to see the margin left before the runs' end at 6 s.
last=$(cat "$TMP"/s1/c*/rep-*/events.csv | awk -F, '$2 == "migration_done" && $1 > m {m = $1} END {print m + 0}')
ok "4 runs in $(($(date +%s) - t0)) s, the last migration done at $last s; sweep.csv 4 rows, summary.csv 2; downtime cold $cold ms, post-copy $post ms; sweep.html's charts"

# Interrupted after the first run, then resumed.
"$EDGEMU" sweep "$scen" -o "$TMP/s2" --duration 3s >"$TMP/s2.out" 2>"$TMP/s2.err" &
pid=$!
for ((i = 0; i < 600; i++)); do
	[ -e "$TMP/s2/c1-cold/rep-0/complete" ] && break
	sleep 0.1
done
[ -e "$TMP/s2/c1-cold/rep-0/complete" ] || fail "the first run did not complete: $(cat "$TMP/s2.err")"
# The second run under way: its folder made (up to 60 s on a busy machine).
for ((i = 0; i < 600; i++)); do
	[ -d "$TMP/s2/c2-postcopy/rep-0" ] && break
	sleep 0.1
done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 130 ] || fail "SIGINT: exit $rc: $(tail -3 "$TMP/s2.err")"
assert_none_left "SIGINT"
[ "$(completes "$TMP/s2")" = 1 ] || fail "SIGINT: $(completes "$TMP/s2") complete runs"
[ -d "$TMP/s2/c2-postcopy/rep-0" ] || fail "SIGINT: the second run never started"
grep -q "resume with: edgemu sweep .*-o $TMP/s2" "$TMP/s2.err" || fail "SIGINT: no resume hint: $(cat "$TMP/s2.err")"
first=$(stat -c %Y.%y "$TMP/s2/c1-cold/rep-0/summary.json")
ok "SIGINT during the second run: exit 130, 1 complete run, nothing left, a resume hint"

"$EDGEMU" sweep "$scen" -o "$TMP/s2" --duration 3s >"$TMP/s3.out" 2>"$TMP/s3.err" ||
	fail "resume failed: $(tail -5 "$TMP/s3.err")"
assert_none_left "resume"
grep -q "1 of 4 runs complete already; running the other 3" "$TMP/s3.err" ||
	fail "resume: $(cat "$TMP/s3.err")"
[ "$(started "$TMP/s3.err")" = 3 ] || fail "resume: $(started "$TMP/s3.err") runs started"
grep -q "c1-cold/rep-0 (seed 1): running" "$TMP/s3.err" && fail "resume: the complete run ran again"
[ "$(stat -c %Y.%y "$TMP/s2/c1-cold/rep-0/summary.json")" = "$first" ] ||
	fail "resume: the complete run's results changed"
[ "$(completes "$TMP/s2")" = 4 ] || fail "resume: $(completes "$TMP/s2") complete runs"
[ "$(wc -l <"$TMP/s2/sweep.csv")" = 5 ] || fail "resume: sweep.csv: $(cat "$TMP/s2/sweep.csv")"
ok "resumed: 3 runs, the first kept; 4 complete runs"

# Another sweep in a folder that holds this one is refused.
rc=0
"$EDGEMU" sweep "$scen" -o "$TMP/s2" --duration 9s >/dev/null 2>"$TMP/s4.err" || rc=$?
[ "$rc" = 1 ] && grep -q "holds another sweep" "$TMP/s4.err" || fail "another plan: exit $rc: $(cat "$TMP/s4.err")"
ok "another plan in the same folder: refused"
