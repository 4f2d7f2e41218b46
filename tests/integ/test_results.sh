#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A run's results up to any moment stay readable, and no run destroys another's:
# - a refused run (taken name, or an -o folder that holds results) leaves the folder as it
#   was, byte for byte, and creates none;
# - a default folder (results/<name>-<date>-<time>) that exists already is never reused;
# - SIGKILL in the middle leaves events.csv with the events so far and whole lines in every
#   file, a folder that `edgemu report` reads;
# - SIGINT while a migration has the service frozen: the summary says the run was
#   interrupted, and the failed migration has its reason and its real downtime (to the
#   source's thaw), in summary.json, migrations.csv and events.csv; and its radio totals
#   (summary.json "radio": handovers, the cells' bytes) are those of cells.csv's last rows;
# - a full disk (a tiny tmpfs as the results folder) is an error naming the file, a
#   non-zero exit, and the network is removed all the same.
. "$(dirname "$0")/lib.sh"
: "${EDGEMU_SRC:?EDGEMU_SRC must name the source tree}"
scen=$EDGEMU_SRC/experiments/quickstart.yaml
fixture=$EDGEMU_SRC/tests/fixtures/run-quickstart
MNT=$TMP/full
pid=
# A run left going by a failed check is killed before cleanup removes its network.
trap 'st=$?; set +e; if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
	if mountpoint -q "$MNT"; then umount -l "$MNT"; fi; (exit $st); cleanup' EXIT

# digest DIR: every file's name and checksum, sorted.
digest() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }

# ---- refused runs ----
taken=$(rand_run)
RUNS+=("$taken")
write_star "$TMP/star.yaml" "$taken" 3
"$EDGEMU" up "$TMP/star.yaml" >"$TMP/up.out" 2>&1 || fail "up: $(cat "$TMP/up.out")"
mkdir "$TMP/old"
cp "$fixture"/* "$TMP/old/"
before=$(digest "$TMP/old")

rc=0
"$EDGEMU" run "$scen" --name "$taken" -o "$TMP/old" --quiet >"$TMP/r.out" 2>"$TMP/r.err" || rc=$?
[ "$rc" -ne 0 ] || fail "a run with a taken name over an old folder succeeded"
[ "$(digest "$TMP/old")" = "$before" ] ||
	fail "a refused run changed the old results: $(diff <(echo "$before") <(digest "$TMP/old"))"
ok "taken name, -o over an old results folder: refused ($(head -1 "$TMP/r.err")), folder unchanged"

rc=0
"$EDGEMU" run "$scen" --name "$taken" -o "$TMP/new" --quiet >"$TMP/r.out" 2>"$TMP/r.err" || rc=$?
[ "$rc" -ne 0 ] || fail "a run with a taken name succeeded"
grep -q "$taken" "$TMP/r.err" || fail "the refusal does not name the run: $(cat "$TMP/r.err")"
[ ! -e "$TMP/new" ] || fail "a refused run created its results folder: $(ls -A "$TMP/new")"
ok "taken name: refused ($(head -1 "$TMP/r.err")), no results folder created"

free=$(rand_run)
RUNS+=("$free")
rc=0
"$EDGEMU" run "$scen" --name "$free" -o "$TMP/old" --quiet >"$TMP/r.out" 2>"$TMP/r.err" || rc=$?
[ "$rc" -ne 0 ] || fail "a run over an old results folder succeeded"
grep -q "already holds" "$TMP/r.err" || fail "the refusal does not say why: $(cat "$TMP/r.err")"
[ "$(digest "$TMP/old")" = "$before" ] || fail "a refused run changed the old results"
assert_gone "$free"
ok "-o over an old results folder: refused ($(head -1 "$TMP/r.err")), folder unchanged"

# ---- SIGKILL in the middle, into a default folder that exists already ----
# Folders for every second around now under the name the run will choose: whichever it
# picks, it must pick another.
killed=$(rand_run)
RUNS+=("$killed")
mkdir -p "$TMP/cwd/results"
now=$(date +%s)
for ((s = now - 2; s <= now + 60; s++)); do
	d=$TMP/cwd/results/$killed-$(date -d "@$s" +%Y%m%d-%H%M%S)
	mkdir "$d"
	cp "$fixture/events.csv" "$d/"
done
before=$(digest "$TMP/cwd/results")
: >"$TMP/k.err"
(cd "$TMP/cwd" && exec "$EDGEMU" run "$scen" --name "$killed" --duration 120s --quiet) \
	>"$TMP/k.out" 2>"$TMP/k.err" &
pid=$!
# Running once it says where its results go; then until some probe answers are written.
dir=
for ((i = 0; i < 600; i++)); do
	dir=$(sed -n 's/.*; results in \(.*\)$/\1/p' "$TMP/k.err")
	[ -n "$dir" ] && [ "$(wc -l <"$TMP/cwd/$dir/rtt.csv" 2>/dev/null || echo 0)" -gt 20 ] && break
	kill -0 "$pid" 2>/dev/null || fail "the run ended: $(cat "$TMP/k.err")"
	sleep 0.1
done
[ -n "$dir" ] || fail "the run never said where its results go: $(cat "$TMP/k.err")"
kill -KILL "$pid"
wait "$pid" || true
pid=
res=$TMP/cwd/$dir
[ "$(digest "$TMP/cwd/results" | grep -v " ./${dir#results/}/")" = "$before" ] ||
	fail "the run wrote into an existing default folder ($dir)"
grep -q ',start,-,' "$res/events.csv" ||
	fail "SIGKILL: events.csv lacks the start ($(wc -c <"$res/events.csv") bytes)"
grep -q ',attach,ue1,' "$res/events.csv" || fail "SIGKILL: events.csv lacks the attach"
for f in events.csv rtt.csv positions.csv cells.csv; do
	[ -s "$res/$f" ] || fail "SIGKILL: $f missing or empty"
	[ "$(tail -c 1 "$res/$f" | od -An -c | tr -d ' ')" = '\n' ] ||
		fail "SIGKILL: $f ends in a cut line: $(tail -c 80 "$res/$f")"
done
"$EDGEMU" report "$res" >"$TMP/rep.out" 2>&1 || fail "report on the killed run: $(cat "$TMP/rep.out")"
grep -q '<svg [^>]*id="rtt-ue1"' "$res/report.html" || fail "report: no RTT chart"
"$EDGEMU" down "$killed" >/dev/null 2>&1 || true
assert_gone "$killed"
ok "SIGKILL: $dir (a new folder) has $(($(wc -l <"$res/events.csv") - 1)) events, whole lines, a report"

# ---- SIGINT while a cold migration has the service frozen ----
# 32 MiB over a 20 Mbit/s backhaul: frozen for some 13 s, so the signal lands in the
# freeze whatever the machine's load; the migration is rolled back, the source thaws.
frozen=$(rand_run)
RUNS+=("$frozen")
: >"$TMP/z.err"
(trap - INT; exec "$EDGEMU" run "$scen" --name "$frozen" -o "$TMP/frozen" --quiet \
	--set "mobility.ue1.points.1.2=12s" --set migration.strategy=cold \
	--set services.game.state=32MiB --set links.4.rate=20mbit --duration 60s) \
	>"$TMP/z.out" 2>"$TMP/z.err" &
pid=$!
for ((i = 0; i < 1200; i++)); do
	grep -q ',migration_freeze,' "$TMP/frozen/events.csv" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || fail "the run ended before a freeze: $(cat "$TMP/z.err")"
	sleep 0.1
done
grep -q ',migration_freeze,' "$TMP/frozen/events.csv" || fail "no freeze in 120 s"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
pid=
[ "$rc" = 130 ] || fail "SIGINT in a freeze: exit $rc: $(tail -3 "$TMP/z.err")"
assert_gone "$frozen"
jq -e '.ended == "interrupted" and .signal == "SIGINT" and (.migrations | length) == 1 and
	(.migrations[0] | .ok == false and .rolled_back and (.error | test("interrupted")) and
	.downtime_until == "source" and .downtime_ms > 0 and .served_at == "source")' \
	"$TMP/frozen/summary.json" >/dev/null ||
	fail "SIGINT in a freeze: summary: $(cat "$TMP/frozen/summary.json")"
row=$(awk -F, 'NR == 2' "$TMP/frozen/migrations.csv")
awk -F, 'NR == 2 {exit !($13 > 0 && $21 > $9 && $22 == "source" && $19 == "no")}' \
	"$TMP/frozen/migrations.csv" || fail "SIGINT in a freeze: migrations.csv: $row"
grep -q 'migration_failed,ue1,"game edge1->edge2 cold: downtime [1-9]' "$TMP/frozen/events.csv" ||
	fail "SIGINT in a freeze: $(grep migration_failed "$TMP/frozen/events.csv")"
# The radio's totals: the handover that started the migration, and the sum of the cells'
# last rows (read at the end, before the network went), in bytes and in-flight packets.
head -1 "$TMP/frozen/cells.csv" | grep -qx 't_s,cell,ues,down_bytes,up_bytes,x2_pkts,x2_bytes,ho_drop_pkts,drop_pkts' ||
	fail "cells.csv's header: $(head -1 "$TMP/frozen/cells.csv")"
last=$(awk -F, 'NR > 1 {if ($1 + 0 > t) {t = $1 + 0; d = u = x = h = 0}
	if ($1 + 0 == t) {d += $4; u += $5; x += $6; h += $8}}
	END {printf "%.0f %.0f %.0f %.0f", d, u, x, h}' "$TMP/frozen/cells.csv")
got=$(jq -r '.radio | "\(.down_bytes) \(.up_bytes) \(.x2_pkts) \(.ho_drop_pkts)"' "$TMP/frozen/summary.json")
[ "$got" = "$last" ] || fail "summary.json radio ($got) is not cells.csv's last rows ($last)"
# x2 forwarded something at the handover: the probe asks every 10 ms and its round trip is
# over 10 ms (4 ms of radio each way), so an answer is always on its way to the UE when the
# target is prepared; held there, it is counted x2 by enb1 (0 before X2 was a prepared hold).
jq -e '.radio | .handovers >= 1 and .forwarding == "x2" and .down_bytes > 0 and .up_bytes > 0 and
	.x2_pkts >= 1' \
	"$TMP/frozen/summary.json" >/dev/null || fail "summary.json radio: $(jq -c .radio "$TMP/frozen/summary.json")"
ok "SIGINT in a cold migration's freeze: interrupted, failed migration rolled back after $(jq .migrations[0].downtime_ms "$TMP/frozen/summary.json") ms down; radio $(jq -c .radio "$TMP/frozen/summary.json")"

# ---- a full disk ----
mkdir "$MNT"
mount -t tmpfs -o size=32k tmpfs "$MNT"
full=$(rand_run)
RUNS+=("$full")
rc=0
"$EDGEMU" run "$scen" --name "$full" -o "$MNT/res" --duration 8s --quiet >"$TMP/f.out" \
	2>"$TMP/f.err" || rc=$?
[ "$rc" -ne 0 ] || fail "a full disk: exit 0: $(cat "$TMP/f.err")"
grep -qE "$MNT/res/[a-z_]+\.(csv|json|yaml|html)(\.tmp)?: No space left on device" "$TMP/f.err" ||
	fail "a full disk: no error naming the file: $(cat "$TMP/f.err")"
assert_gone "$full"
ok "a full disk: exit $rc, $(grep -m1 "No space" "$TMP/f.err"), network removed"
umount "$MNT"
