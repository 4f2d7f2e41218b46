#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `edgemu clean --all` removes idle runs (kept by `up`) and leftovers, never a live run (here
# an `up` still building, stopped with SIGSTOP so that it stays so).
#
# --all would remove other users' idle runs on the machine: the test runs in a mount
# namespace of its own whose /run/edgemu, /run/netns and /etc/netns are empty, so that it
# sees only its own runs.
. "$(dirname "$0")/isolate.sh"
. "$(dirname "$0")/lib.sh"

idle=$(rand_run)
RUNS+=("$idle")
write_star "$TMP/idle.yaml" "$idle" 3
"$EDGEMU" up "$TMP/idle.yaml" >/dev/null

busy=$(rand_run)
RUNS+=("$busy")
write_star "$TMP/busy.yaml" "$busy" 200
"$EDGEMU" up "$TMP/busy.yaml" >"$TMP/busy.out" 2>&1 &
pid=$!
trap 'st=$?; kill -CONT "$pid" 2>/dev/null || true; set +e; (exit $st); cleanup' EXIT
wait_building "$busy" "$pid" || fail "the build did not start"
kill -STOP "$pid"
grep -q '^state=building' "/run/edgemu/$busy/meta" || fail "the build finished before the stop; make it bigger"

out=$("$EDGEMU" clean --all)
echo "$out" | grep -qx "run $busy: live (edgemu up, pid $pid, building), left alone" ||
	fail "clean --all did not leave the live build alone: $out"
echo "$out" | grep -qx "run $idle: removed (idle: edgemu up)" || fail "clean --all kept the idle run: $out"
assert_gone "$idle"
ok "clean --all removed the idle run and left the live build alone"

kill -CONT "$pid"
trap cleanup EXIT
wait "$pid" || fail "the build failed after clean --all: $(tail -3 "$TMP/busy.out")"
out=$("$EDGEMU" clean --all)
echo "$out" | grep -qx "run $busy: removed (idle: edgemu up)" || fail "clean --all kept $busy once built: $out"
assert_gone "$busy"
ok "once built, the run was idle and clean --all removed it"
