#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# edgemu run on the quickstart experiment, sped up with --set (7 s runs: the UE goes from
# 300 m to 750 m in 4 s, the handover at 1.5 s; the backhaul at 100 Mbit/s, so that the
# migration takes over a second, with answers through the core all along, however fast the
# machine; on a loaded one or an ASan build it is done by 3.5 s, 3.5 s before the end):
# - the results folder holds every file, the resolved scenario carries the override;
# - events come in order: attach, handover to enb2, then the migration decided, started,
#   frozen, resumed, flipped, ended, done;
# - the RTT after the migration is lower than between the handover and the migration;
# - a second run with the same seed gives the same sequence of handovers and decisions at
#   the same tick times;
# - SIGINT in the middle ends the run, tears everything down and still writes a summary,
#   which says it was interrupted, by which signal and when;
# - nothing is left behind.
. "$(dirname "$0")/lib.sh"
: "${EDGEMU_SRC:?EDGEMU_SRC must name the source tree}"
scen=$EDGEMU_SRC/experiments/quickstart.yaml
fast=(--set mobility.ue1.points.0.0=300 --set mobility.ue1.points.1.2=4s
	--set links.4.rate=100mbit --duration 7s --quiet)

run_one() {
	local name=$1 out=$2
	shift 2
	RUNS+=("$name")
	"$EDGEMU" run "$scen" --name "$name" -o "$out" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
}

r1=$(rand_run)
run_one "$r1" "$TMP/res1" "${fast[@]}" || fail "run failed: $(tail -5 "$TMP/$r1.err")"
assert_gone "$r1"
for f in scenario.yaml meta.json events.csv rtt.csv migrations.csv positions.csv cells.csv summary.json; do
	[ -s "$TMP/res1/$f" ] || fail "results: $f missing or empty"
done
# cells.csv: one UE, on one cell at a time; its probes' bytes crossed the radio both ways.
awk -F, 'NR == 1 {next} {n[$1] += $3; if ($4 > 0) down = 1; if ($5 > 0) up = 1}
	END {for (t in n) if (n[t] > 1) exit 1; exit !(down && up && length(n) > 2)}' \
	"$TMP/res1/cells.csv" || fail "cells.csv: $(head -5 "$TMP/res1/cells.csv")"
# cells.csv: a row per cell at every radio tick (100 ms), at the tick's time, and at the end
# (7 s, a tick after the last; the run's end, which a slow machine (ASan) reaches a
# millisecond or so late: taken as 7 s): every time has both cells' rows and follows the one
# before by a tick, but for ticks whose reading was skipped (its reading before still out) or
# that the clock passed over, which summary.json counts.
missed=$(awk -F, 'NR == 1 {next} k == 0 || $1 != last {t[++k] = $1; last = $1} {n[$1]++}
	END {if (k > 1 && t[k] + 0 > 7.0 && t[k] + 0 < 7.05) {n["7.000"] = n[t[k]]; t[k] = "7.000"}
		for (i = 1; i <= k; i++) {
			if (n[t[i]] != 2) {printf "bad: %s rows at %s", n[t[i]], t[i]; exit}
			if (i == 1) continue
			g = (t[i] - t[i - 1]) / 0.1
			if (g < 0.99 || g - int(g + 0.5) > 0.01 || int(g + 0.5) - g > 0.01) {
				printf "bad: %s after %s", t[i], t[i - 1]; exit
			}
			m += int(g + 0.5) - 1
		}
		if (t[1] != "0.000" || t[k] != "7.000") {printf "bad: from %s to %s", t[1], t[k]; exit}
		print m + 0}' "$TMP/res1/cells.csv")
skipped=$(jq '.radio.cells_skipped + .lateness_us.skipped' "$TMP/res1/summary.json")
[[ $missed =~ ^[0-9]+$ ]] && [ "$missed" -le "$skipped" ] ||
	fail "cells.csv's rows: $missed (ticks missed; skipped: $skipped): $(cut -d, -f1 "$TMP/res1/cells.csv" | uniq -c | head -20 | tr '\n' ' ')"
grep -qF "points: [[300, 0, 0s], [750, 0, 4s]]" "$TMP/res1/scenario.yaml" &&
	grep -qF "{endpoints: [edge1, edge2], delay: 2ms, rate: 100mbit}" "$TMP/res1/scenario.yaml" ||
	fail "the resolved scenario lacks the overrides: $(grep -E "points|edge1, edge2" "$TMP/res1/scenario.yaml")"
jq -e '.kernel and .shaper and .seed == 1 and .git_commit' "$TMP/res1/meta.json" >/dev/null ||
	fail "meta.json: $(cat "$TMP/res1/meta.json")"
ok "results: every file; the resolved scenario has the override; meta.json complete; cells.csv a row per cell every tick ($missed missed, $(jq .radio.cells_skipped "$TMP/res1/summary.json") readings skipped)"

# The events that matter, in order (the attach after the handover's interruption may come
# before or after the migration's first events: they run side by side).
ev=$TMP/res1/events.csv
line_of() { awk -F, -v e="$1" -v d="$2" 'NR > 1 && $2 == e && $4 ~ d {print NR; exit}' "$ev"; }
prev=0
order=""
for k in "handover:attach" "attach:enb1" "handover:a3" "migration_decided:" "migration_start:" \
	"migration_freeze:" "migration_resume:" "migration_flip:" "migration_end:" \
	"migration_done:"; do
	n=$(line_of "${k%%:*}" "${k#*:}")
	[ -n "$n" ] || fail "no ${k%%:*} event (${k#*:}): $(cut -d, -f2 "$ev" | uniq | tr '\n' ' '); $(grep -E "failed|error" "$ev")"
	[ "$n" -gt "$prev" ] || fail "${k%%:*} (line $n) before the event on line $prev"
	prev=$n
	order="$order ${k%%:*}"
done
[ -n "$(awk -F, -v a="$(line_of handover a3)" 'NR > a && $2 == "attach" && $4 ~ /enb2/' "$ev")" ] ||
	fail "no attach to enb2 after the handover"
grep -q 'handover,ue1,"from enb1 to enb2 (a3)"' "$ev" || fail "no A3 handover enb1 -> enb2: $(grep handover "$ev")"
grep -q 'migration_done,ue1,"game edge1->edge2 precopy' "$ev" || fail "no migration edge1 -> edge2: $(grep migration_done "$ev")"
ok "events in order:$order"

# RTT between the handover and the flip (through the core) against after the migration: the
# floors (5th percentiles) of the answers to requests sent then, as a delay only adds and a
# busy machine raises means and medians, not floors. Through the core a round trip has 4 ms
# more of configured delay than through edge2.
t_ho=$(awk -F, '$2 == "handover" && $4 ~ /a3/ {print $1}' "$ev")
t_flip=$(awk -F, '$2 == "migration_flip" {print $1}' "$ev")
t_done=$(awk -F, '$2 == "migration_done" {print $1}' "$ev")
# floor FROM TO: "5th-percentile count" of the RTTs of requests sent between FROM and TO s
floor() {
	awk -F, -v a="$1" -v b="$2" 'NR > 1 && $5 != "" && $1 > a && $1 < b {print $5}' \
		"$TMP/res1/rtt.csv" | sort -g | awk '{v[NR] = $1} END {if (NR) print v[int((NR * 5 + 99) / 100)], NR}'
}
mid=$(floor "$(calc "$t_ho + 0.1")" "$t_flip")
after=$(floor "$(calc "$t_done + 0.5")" 1e9)
[ -n "$mid" ] && [ -n "$after" ] || fail "no RTT samples: between '$mid', after '$after'"
within "$(calc "${mid% *} - ${after% *}")" 2 1000 ||
	fail "RTT floor after the migration (${after% *} ms) not 2 ms below the one before it (${mid% *} ms)"
ok "RTT floor between handover and migration ${mid% *} ms (${mid#* } answers), after ${after% *} ms (${after#* })"
jq -e '.ended == "completed" and .signal == null and .stopped_s == null and .error == null and
	.ues[0].handovers == 1 and .ues[0].migrations == 1 and .migrations[0].ok and
	.migrations[0].error == null and .migrations[0].downtime_until == "destination" and
	.migrations[0].served_at == "destination"' \
	"$TMP/res1/summary.json" >/dev/null || fail "summary.json: $(cat "$TMP/res1/summary.json")"
ok "summary.json: completed, 1 handover, 1 migration, done"

# Same seed, same sequence at the same tick times.
r2=$(rand_run)
run_one "$r2" "$TMP/res2" "${fast[@]}" || fail "second run failed: $(tail -5 "$TMP/$r2.err")"
key() { awk -F, '$2 == "handover" || $2 == "migration_decided" {print $1, $2, $3, $4}' "$1/events.csv"; }
[ "$(key "$TMP/res1")" = "$(key "$TMP/res2")" ] ||
	fail "two runs with seed 1 differ: $(diff <(key "$TMP/res1") <(key "$TMP/res2"))"
ok "a second run with the same seed: the same handovers and decisions at the same times"

# Interrupted in the middle.
r3=$(rand_run)
RUNS+=("$r3")
"$EDGEMU" run "$scen" --name "$r3" -o "$TMP/res3" --quiet >"$TMP/r3.out" 2>"$TMP/r3.err" &
pid=$!
# In the middle: once the UE has attached and its service answered (rtt.csv is written every
# second), however long up took on a busy machine.
wait_line "$TMP/res3/events.csv" '^[0-9.]+,attach,ue1,' "$pid" &&
	wait_line "$TMP/res3/rtt.csv" '^[0-9.]+,ue1,[^,]*,[^,]*,[0-9.]+,' "$pid" ||
	fail "SIGINT: the run ended before its UE was served: $(tail -3 "$TMP/r3.err")"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" = 130 ] || fail "SIGINT: exit $rc: $(tail -3 "$TMP/r3.err")"
assert_gone "$r3"
jq -e '.duration_s < .planned_s and .ended == "interrupted" and .signal == "SIGINT" and
	.stopped_s > 0 and .stopped_s <= .duration_s and .planned_s == 30 and .error == null' \
	"$TMP/res3/summary.json" >/dev/null ||
	fail "SIGINT: summary: $(cat "$TMP/res3/summary.json")"
grep -q ',interrupted,-,"SIGINT at ' "$TMP/res3/events.csv" ||
	fail "SIGINT: no interrupted event: $(tail -2 "$TMP/res3/events.csv")"
ok "SIGINT once the UE was served: exit 130, torn down, summary says interrupted by SIGINT"

# The report edgemu run writes at its end (edgemu report): every chart, the RTT chart with
# every answer of rtt.csv; the interrupted run gets one too.
rep=$TMP/res1/report.html
[ -s "$rep" ] || fail "report: $rep missing or empty"
for id in rtt-ue1 map mig-0; do
	grep -q "<svg [^>]*id=\"$id\"" "$rep" || fail "report: no chart $id"
done
drawn=$(grep -o '<svg [^>]*id="rtt-ue1"[^>]*' "$rep" | sed -n 's/.* data-answers="\([0-9]*\)".*/\1/p')
answers=$(awk -F, 'NR > 1 && $2 == "ue1" && $5 != ""' "$TMP/res1/rtt.csv" | wc -l)
[ "$drawn" = "$answers" ] || fail "report: rtt-ue1 has ${drawn:-no} answers, rtt.csv $answers"
grep -q '<svg [^>]*id="rtt-ue1"' "$TMP/res3/report.html" 2>/dev/null ||
	fail "report: none, or no RTT chart, for the interrupted run"
ok "report.html: rtt-ue1 ($answers answers), map, mig-0; the interrupted run's too"
