#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Teardown when descriptors are scarce, and when something outside holds a run:
# - `ulimit -n 256` (soft and hard) and 300 nodes: down removes everything, programs started
#   in nodes with `edgemu exec` included; the same with only the soft limit low;
# - a process outside the run with a node's namespace open: down names the process (pid,
#   command) and keeps the run's folder; down --kill stops it and finishes;
# - a bind mount of a node's namespace in a mount namespace of its own: the same; in our own
#   mount namespace (no process to stop): down says where the mount is.
. "$(dirname "$0")/lib.sh"

# pid_gone PID: the process has exited (or is a zombie, which holds nothing).
pid_gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

# small_up: a new run of 3 nodes, up, in run.
small_up() {
	run=$(rand_run)
	RUNS+=("$run")
	write_star "$TMP/small.yaml" "$run" 3
	"$EDGEMU" up "$TMP/small.yaml" >/dev/null 2>"$TMP/up.err" || fail "up: $(tail -3 "$TMP/up.err")"
}

# down_fails WHY [--kill]: edgemu down of run must fail (its output in $TMP/down.out).
down_fails() {
	local st
	set +e
	"$EDGEMU" down "${@:2}" "$run" >"$TMP/down.out" 2>&1
	st=$?
	set -e
	[ $st -ne 0 ] || fail "down succeeded though $1"
}

# kill_down WHAT: down --kill removes run and stops the holder.
kill_down() {
	"$EDGEMU" down --kill "$run" >"$TMP/down.out" 2>&1 || fail "down --kill: $(cat "$TMP/down.out")"
	assert_gone "$run"
	wait $holder 2>/dev/null || true
	pid_gone $holder || fail "down --kill left the holder $holder"
	ok "$1"
}

for limit in "-n 256" "-Sn 256"; do
	run=$(rand_run)
	RUNS+=("$run")
	write_star "$TMP/big.yaml" "$run" 300
	"$EDGEMU" up "$TMP/big.yaml" >/dev/null 2>"$TMP/up.err" || fail "up: $(tail -3 "$TMP/up.err")"
	"$EDGEMU" exec "$run" h1 -- sleep 1000 &
	p1=$!
	"$EDGEMU" exec "$run" h299 -- sleep 1000 &
	p2=$!
	# Both are in their nodes once their namespace is theirs.
	for p in $p1 $p2; do
		for ((i = 0; i < 6000; i++)); do
			[ "$(stat -Lc %i "/proc/$p/ns/net" 2>/dev/null)" != "$(stat -Lc %i /proc/self/ns/net)" ] && break
			kill -0 "$p" 2>/dev/null || fail "ulimit $limit: edgemu exec $p ended before entering its node"
			sleep 0.01
		done
	done
	(ulimit $limit && exec "$EDGEMU" down "$run") >"$TMP/down.out" 2>&1 ||
		fail "ulimit $limit: down failed: $(cat "$TMP/down.out")"
	assert_gone "$run"
	wait $p1 $p2 2>/dev/null || true
	pid_gone $p1 && pid_gone $p2 || fail "ulimit $limit: the programs started in nodes live on"
	ok "ulimit $limit: down removed 300 nodes and the programs started in them"
done

# An fd held by a process outside the run.
small_up
bash -c "exec 9</run/netns/em-$run-h1; exec sleep 1000" &
holder=$!
trap 'st=$?; kill $holder 2>/dev/null || true; set +e; (exit $st); cleanup' EXIT
for ((i = 0; i < 6000; i++)); do
	[ "$(readlink "/proc/$holder/fd/9" 2>/dev/null)" = "/run/netns/em-$run-h1" ] && break
	sleep 0.01
done
[ "$(readlink "/proc/$holder/fd/9")" = "/run/netns/em-$run-h1" ] || fail "the holder did not open the namespace"
down_fails "process $holder holds a namespace"
grep -qF "process $holder (sleep 1000) has it open (em-$run-h1)" "$TMP/down.out" ||
	fail "down did not name the holder: $(cat "$TMP/down.out")"
grep -qF "edgemu down --kill $run" "$TMP/down.out" || fail "down did not offer --kill: $(cat "$TMP/down.out")"
[ -d "/run/edgemu/$run" ] || fail "down removed the folder of the run it could not finish"
ok "down names the process holding the run, and keeps the run's folder"
kill_down "down --kill stopped the holder and removed the run"

# A bind mount of a node's namespace elsewhere, in a mount namespace of its own (a container,
# `unshare -m`): it lives as long as the namespace's processes.
small_up
touch "$TMP/h2ns"
unshare -m --propagation slave bash -c \
	"mount --bind /run/netns/em-$run-h2 $TMP/h2ns && exec sleep 1001" &
holder=$!
trap 'st=$?; kill $holder 2>/dev/null || true; set +e; (exit $st); cleanup' EXIT
for ((i = 0; i < 6000; i++)); do
	grep -q " $TMP/h2ns " "/proc/$holder/mountinfo" 2>/dev/null &&
		[ "$(readlink "/proc/$holder/exe")" != "$(readlink /proc/$$/exe)" ] && break
	sleep 0.01
done
grep -q " $TMP/h2ns " "/proc/$holder/mountinfo" || fail "the holder did not mount the namespace"
down_fails "process $holder keeps a namespace mounted"
grep -qF "process $holder (sleep 1001) has it mounted (em-$run-h2)" "$TMP/down.out" ||
	fail "down did not name the mount's holder: $(cat "$TMP/down.out")"
ok "down names the process whose mount namespace has the run's namespace mounted"
kill_down "down --kill stopped it and removed the run"

# The same mount in our own mount namespace: no process to stop; down says where it is.
small_up
mount --bind "/run/netns/em-$run-h1" "$TMP/h2ns"
trap 'st=$?; umount "$TMP/h2ns" 2>/dev/null || true; set +e; (exit $st); cleanup' EXIT
down_fails "$TMP/h2ns keeps a namespace mounted" --kill
grep -qF "also mounted at $TMP/h2ns" "$TMP/down.out" || fail "down: $(cat "$TMP/down.out")"
[ -d "/run/edgemu/$run" ] || fail "down removed the folder of the run it could not finish"
umount "$TMP/h2ns"
"$EDGEMU" down "$run"
assert_gone "$run"
ok "a bind mount in our own mount namespace: down says where it is; once unmounted, down finishes"
