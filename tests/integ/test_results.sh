#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A run's results up to any moment stay readable, and no run destroys another's:
# - a refused run (taken name, or an -o folder that holds results) leaves the folder as it
#   was, byte for byte, and creates none;
# - a default folder (results/<name>-<date>-<time>) that exists already is never reused;
# - SIGKILL in the middle leaves events.csv with the events so far and whole lines in every
#   file, a folder that `edgemu report` reads;
# - a full disk (a tiny tmpfs as the results folder) is an error naming the file, a
#   non-zero exit, and the network is removed all the same.
. "$(dirname "$0")/lib.sh"
: "${EDGEMU_SRC:?EDGEMU_SRC must name the source tree}"
scen=$EDGEMU_SRC/experiments/quickstart.yaml
fixture=$EDGEMU_SRC/tests/fixtures/run-quickstart
MNT=$TMP/full
pid=
# A run left going by a failed check is killed before cleanup removes its network.
trap 'st=$?; if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
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
for f in events.csv rtt.csv positions.csv; do
	[ -s "$res/$f" ] || fail "SIGKILL: $f missing or empty"
	[ "$(tail -c 1 "$res/$f" | od -An -c | tr -d ' ')" = '\n' ] ||
		fail "SIGKILL: $f ends in a cut line: $(tail -c 80 "$res/$f")"
done
"$EDGEMU" report "$res" >"$TMP/rep.out" 2>&1 || fail "report on the killed run: $(cat "$TMP/rep.out")"
grep -q '<svg [^>]*id="rtt-ue1"' "$res/report.html" || fail "report: no RTT chart"
"$EDGEMU" down "$killed" >/dev/null 2>&1 || true
assert_gone "$killed"
ok "SIGKILL: $dir (a new folder) has $(($(wc -l <"$res/events.csv") - 1)) events, whole lines, a report"

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
