#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Whatever dies in the middle of `edgemu migrate`, the service ends up served (issue 12):
# - SIGHUP during a pre-copy: rolled back like SIGINT, the source serves, the probe is gone;
# - SIGKILL of `edgemu migrate` during a pre-copy's copy: the source serves again by itself,
#   the destination instance exits, the probe does not outlive the command, and the next
#   migration is not refused ("an instance already runs"); SIGKILL as the destination
#   starts: it exits;
# - SIGKILL of `edgemu migrate` held (SIGSTOP) from the copy's start until a cold
#   migration's destination has resumed, so it never flipped the steering: the destination
#   steers the clients to itself and serves, the source exits; SIGKILL after a post-copy
#   resume: the destination serves, the source exits once it has pushed every page;
# - SIGINT after a post-copy switch, four times: rolled back, and the client's counter never
#   steps back (the requests the frozen source had queued are not answered after the
#   destination's answers);
# - the source instance killed after a post-copy switch: the destination serves on and the
#   clients stay steered to it; killed once a pre-copy's destination holds every page: the
#   migration is done; killed during a pre-copy's copy: the report says the service is lost,
#   and why;
# - the probe's losses: every request it sent is answered or counted as lost.
# Each fault waits for its phase in the instances' logs (every agent event is there), never
# for a time.
. "$(dirname "$0")/lib.sh"
: "${EDGEMU_APPS:?EDGEMU_APPS must name the folder of the apps}"
probe=$EDGEMU_APPS/edgemu-probe

run=$(rand_run)
RUNS+=("$run")
MPS=()
# A migrate left running by a failed check must not outlive the test; its probe goes on
# SIGTERM once it is dead, and until then it holds ue1's namespace, which `down` would
# refuse to remove (seen: a failed run left behind whole).
reap() {
	local p i
	for p in "${MPS[@]}"; do
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	for ((i = 0; i < 500; i++)); do
		[ -z "${dir:-}" ] || ! pgrep -f "$dir/migration-" >/dev/null && return 0
		sleep 0.01
	done
}
# set +e: under errexit, (exit $st) with a failure's status would end the trap there, before
# cleanup (seen: a failed check left the run and its namespaces behind).
trap 'st=$?; set +e; reap; (exit $st); cleanup' EXIT
cat >"$TMP/mig.yaml" <<YAML
name: migfaults
nodes:
  ue1:   { kind: ue }
  enb1:  { kind: enb }
  edge1: { kind: edge }
  edge2: { kind: edge }
links:
  - { endpoints: [ue1, enb1], delay: 1ms }
  - { endpoints: [enb1, edge1], delay: 1ms }
  - { endpoints: ["edge1:bh", "edge2:bh"], delay: 1ms, rate: 40mbit }
services:
  game:
    vip: 10.200.0.1
    app: svc
    port: 7000
    state: 8MiB
    dirty: { rate: 2000/s, pattern: uniform }
    at: edge1
migration:
  strategy: precopy
  precopy: { max_rounds: 10, stop_below: 64 }
YAML
"$EDGEMU" up "$TMP/mig.yaml" --name "$run" >/dev/null
dir=/run/edgemu/$run
ok "up: ue1 - enb1 - edge1 - edge2 (40 Mbit/s backhaul: a copy takes 1.7 s), game at edge1"

pid_on() { awk -v n="$1" '$1 == "game" && $2 == n {p = $3} END {print p}' "$dir/instances"; }
field() { jq -r "$1" "$TMP/m.json"; }
alive() {
	local st
	[ -n "$1" ] || return 1
	st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}
# The lines of NODE's instance log so far: later waits look past them.
mark() { wc -l <"$dir/game@$1.log" 2>/dev/null || echo 0; }
# wait_log NODE FROM REGEX: until a line after line FROM of NODE's log matches (60 s at most:
# a bound for a phase that never comes, not a timing check).
wait_log() {
	local i
	for ((i = 0; i < 6000; i++)); do
		tail -n +"$(($2 + 1))" "$dir/game@$1.log" 2>/dev/null | grep -qE "$3" && return 0
		sleep 0.01
	done
	fail "no '$3' in $1's log after line $2: $(diag)"
}
# What the instances and the processes of the run were doing, for a failed wait.
diag() {
	local n p
	for n in edge1 edge2; do
		echo
		echo "--- $dir/game@$n.log (last 15 lines):"
		tail -15 "$dir/game@$n.log" 2>/dev/null
	done
	echo "--- edgemu migrate (pid ${mp:-none}): $(ps -o stat=,wchan:24= -p "${mp:-0}" 2>/dev/null ||
		echo gone); its output so far:"
	cat "$TMP/m.json" "$TMP/m.err" 2>/dev/null
	echo "--- processes of the run (pid ppid state wchan):"
	for p in $(pgrep -f -- "$dir/" || true); do
		ps -o pid=,ppid=,stat=,wchan:24=,args= -p "$p" 2>/dev/null | cut -c1-200
	done
	for n in edge1 edge2; do
		echo "--- TCP sockets in $n:"
		"$EDGEMU" exec "$run" "$n" -- ss -tnpio 2>/dev/null | cut -c1-300
	done
}
# wait_for WHAT CMD...: until CMD succeeds (60 s at most).
wait_for() {
	local what=$1 i
	shift
	for ((i = 0; i < 6000; i++)); do
		"$@" && return 0
		sleep 0.01
	done
	fail "$what: $(diag)"
}
steered_to() {
	[ "$("$EDGEMU" show "$run" --json |
		jq -r '.services[0].clients[] | select(.client == "ue1") | .instance')" = "$1" ]
}
no_probe_left() { ! pgrep -f "$dir/migration-" >/dev/null; }
gone() { ! alive "$1"; }
# The service answers from $1 with its counter intact (a fresh client, 300 requests).
check_serving() {
	local at=$1 what=$2
	"$EDGEMU" exec "$run" ue1 -- "$probe" 10.200.0.1 --port 7000 --interval 2ms --count 300 \
		--check-counter --json "$TMP/p.json" --quiet || fail "$what: probe failed"
	[ "$(jq -r .answered "$TMP/p.json")" -ge 290 ] || fail "$what: $(jq -c . "$TMP/p.json")"
	[ "$(jq -r .counter_errors "$TMP/p.json")" = 0 ] || fail "$what: counter errors after"
	[ "$(jq -r .instance "$TMP/p.json")" = "$at" ] &&
		[ "$(jq -r .instance_changes "$TMP/p.json")" = 0 ] ||
		fail "$what: answers not all from $at: $(jq -c . "$TMP/p.json")"
	steered_to "$at" || fail "$what: show does not say ue1 -> $at"
}
# migrate_bg TO ARGS...: `edgemu migrate` in the background, its pid in mp.
migrate_bg() {
	local to=$1
	shift
	"$EDGEMU" migrate "$run" game ue1 --to "$to" --json "$@" >"$TMP/m.json" 2>"$TMP/m.err" &
	mp=$!
	MPS+=("$mp")
}
wait_rc() { rc=0; wait "$mp" || rc=$?; }

# 1. SIGHUP during a pre-copy's copy: rolled back, like SIGINT.
m1=$(mark edge1)
src=$(pid_on edge1)
migrate_bg edge2 --strategy precopy
wait_log edge1 "$m1" ': start t='
kill -HUP "$mp"
wait_rc
[ "$rc" = 1 ] && [ "$(field .rolled_back)" = true ] && [ "$(field .served_at)" = source ] ||
	fail "SIGHUP: exit $rc: $(cat "$TMP/m.json" "$TMP/m.err")"
field .error | grep -q interrupted || fail "SIGHUP: error: $(field .error)"
wait_for "SIGHUP: the probe outlives migrate" no_probe_left
[ "$(pid_on edge1)" = "$src" ] && alive "$src" || fail "SIGHUP: the source does not serve"
check_serving edge1 "SIGHUP"
ok "SIGHUP during the copy: rolled back ('$(field .error)'), edge1 serves, no probe left"

# 2. SIGKILL during a pre-copy's copy: the agents settle it, the source serves on.
m1=$(mark edge1)
m2=$(mark edge2)
migrate_bg edge2 --strategy precopy
wait_log edge1 "$m1" ': start t='
wait_for "no destination instance" test -n "$(pid_on edge2)"
dst=$(pid_on edge2)
kill -9 "$mp"
wait_rc
# The source serves again by itself, told either by its control socket's end ("orphan") or,
# when the destination saw its own first and exited, by the reset of the copy's connection
# ("error frozen=0"); then its control socket's end finds nothing left to settle (seen: the
# reset 21 ms after the start, and no "orphan" line).
wait_log edge1 "$m1" 'orphan .*serving=1|error frozen=0'
wait_for "SIGKILL: the destination instance (pid $dst) still runs" gone "$dst"
wait_for "SIGKILL: the probe outlives migrate" no_probe_left
alive "$src" || fail "SIGKILL: the source died"
check_serving edge1 "SIGKILL during the copy"
ok "SIGKILL during the copy: the source serves again by itself, the destination exited, no probe left"

# SIGKILL as the destination instance starts, before the source is told anything (perhaps
# before the runner connected to the destination's control socket): it exits, by itself if
# need be, once no source has come within its timeout (1 s) and 2 s.
m2=$(mark edge2)
migrate_bg edge2 --strategy precopy --timeout 1s
wait_log edge2 "$m2" ': listening t='
kill -STOP "$mp"
dst=$(pgrep -f -- "--ctl $dir/game@edge2.ctl" || true)
kill -9 "$mp"
wait_rc
[ -n "$dst" ] || fail "SIGKILL at the destination's start: no destination instance listed"
wait_for "SIGKILL at the destination's start: the destination (pid $dst) still runs" gone "$dst"
wait_for "SIGKILL at the destination's start: the probe outlives migrate" no_probe_left
check_serving edge1 "SIGKILL at the destination's start"
ok "SIGKILL as the destination starts: it exited ('$(tail -n +"$((m2 + 1))" "$dir/game@edge2.log" |
	grep -oE '(orphan|error) .*what=[^:]*' | head -1)'), edge1 serves"

# 3. SIGKILL once a cold migration's destination has resumed, the runner held (SIGSTOP) from
# the copy's start, so it never flipped the steering (the copy of 8 MiB over 40 Mbit/s
# takes seconds): the destination steers the clients to itself and serves, the source
# (which heard the destination resume) exits.
m1=$(mark edge1)
m2=$(mark edge2)
migrate_bg edge2 --strategy cold
wait_log edge1 "$m1" ': start t='
kill -STOP "$mp"
wait_log edge2 "$m2" ': resume t='
kill -9 "$mp"
wait_rc
grep -q "an instance already runs" "$TMP/m.err" && fail "cold: refused: $(cat "$TMP/m.err")"
wait_log edge2 "$m2" 'orphan .*steering them'
wait_for "cold, SIGKILL after the resume: ue1 not steered to edge2" steered_to edge2
wait_log edge1 "$m1" 'orphan .*destination serves'
wait_for "cold, SIGKILL after the resume: the source still runs" gone "$src"
wait_for "cold, SIGKILL after the resume: the probe outlives migrate" no_probe_left
check_serving edge2 "cold, SIGKILL after the resume"
ok "SIGKILL after a cold migration's resume, before the flip: edge2 steered the clients to itself and serves, the source exited"

# Post-copy, SIGKILL as soon as the destination resumed (the runner may have flipped or
# not): the destination serves, the source exits once it has pushed every page.
m1=$(mark edge1)
m2=$(mark edge2)
src=$(pid_on edge2)
migrate_bg edge1 --strategy postcopy
wait_log edge1 "$m1" ': resume t='
kill -9 "$mp"
wait_rc
wait_for "post-copy, SIGKILL after the resume: ue1 not steered to edge1" steered_to edge1
wait_log edge2 "$m2" 'orphan .*destination serves'
wait_for "post-copy, SIGKILL after the resume: the source still runs" gone "$src"
wait_log edge1 "$m1" ': end t='
check_serving edge1 "post-copy, SIGKILL after the resume"
ok "SIGKILL after a post-copy resume: edge1 serves, the source exited after its push"

# 4. SIGINT after a post-copy switch, once the client has had answers from the destination:
# rolled back; the counter never steps back (the requests the source had queued while
# frozen, answered after the thaw, overtook the destination's last answers: without the
# fence, two runs of this loop both failed by their second try).
for i in 1 2 3 4; do
	m2=$(mark edge2)
	migrate_bg edge2 --strategy postcopy
	wait_log edge2 "$m2" ': resume t='
	wait_for "post-copy: no answer from edge2" grep -q ',edge2$' "$dir/migration-1.probe.csv"
	kill -INT "$mp"
	wait_rc
	[ "$rc" = 1 ] && [ "$(field .rolled_back)" = true ] ||
		fail "post-copy, SIGINT after the switch ($i): exit $rc: $(cat "$TMP/m.json" "$TMP/m.err")"
	[ "$(field .probe.counter_back)" = 0 ] ||
		fail "post-copy, SIGINT after the switch ($i): counter stepped back:" \
			"$(jq -c .probe "$TMP/m.json") ($(jq -c '{error, table_from}' "$TMP/m.json"))" \
			"$(diag)"
done
check_serving edge1 "post-copy, SIGINT after the switch"
ok "SIGINT after a post-copy switch, 4 times: rolled back, the client's counter never stepped back"

# 4b. The runner killed half way through its roll-back after a post-copy switch: the
# destination told to stop, the source not yet told to resume (the runner stops itself
# there: EDGEMU_TEST_STOP). The destination said ABORTED to the source as it stopped, so
# the source, which had heard it resume, knows the service is its own again: it serves.
m1=$(mark edge1)
m2=$(mark edge2)
src=$(pid_on edge1)
export EDGEMU_TEST_STOP=roll-back
migrate_bg edge2 --strategy postcopy
unset EDGEMU_TEST_STOP
wait_log edge2 "$m2" ': resume t='
wait_for "post-copy, roll-back: no answer from edge2" grep -q ',edge2$' "$dir/migration-1.probe.csv"
dst=$(pid_on edge2)
kill -INT "$mp"
stopped() { [ "$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null)" = T ]; }
wait_for "post-copy, roll-back: the runner did not stop half way" stopped "$mp"
wait_log edge2 "$m2" 'aborted .*serving=0'
kill -9 "$mp"
wait_rc
wait_log edge1 "$m1" 'orphan .*serving=1'
wait_for "post-copy, runner killed in its roll-back: the destination (pid $dst) still runs" \
	gone "$dst"
wait_for "post-copy, runner killed in its roll-back: the probe outlives migrate" no_probe_left
[ "$(pid_on edge1)" = "$src" ] && alive "$src" ||
	fail "post-copy, runner killed in its roll-back: the source does not run"
check_serving edge1 "post-copy, runner killed in its roll-back"
ok "runner killed half way through a post-copy roll-back: the source serves again"

# 5. The source killed after a post-copy switch: the destination serves on.
m2=$(mark edge2)
src=$(pid_on edge1)
migrate_bg edge2 --strategy postcopy
wait_log edge2 "$m2" ': resume t='
kill -9 "$src"
wait_rc
[ "$rc" = 1 ] && [ "$(field .served_at)" = destination ] ||
	fail "post-copy, source killed: exit $rc: $(cat "$TMP/m.json" "$TMP/m.err")"
field .error | grep -q "source instance on edge1 died after the post-copy switch" ||
	fail "post-copy, source killed: error: $(field .error)"
[ "$(field .probe.counter_back)" = 0 ] ||
	fail "post-copy, source killed: counter stepped back: $(jq -c .probe "$TMP/m.json")"
check_serving edge2 "post-copy, source killed after the switch"
ok "source killed after a post-copy switch: '$(field .error)', edge2 serves"

# 6. The source killed once the pre-copy destination holds every page (the runner held so
# that it learns of both at once): done.
m1=$(mark edge1)
m2=$(mark edge2)
src=$(pid_on edge2)
migrate_bg edge1 --strategy precopy
wait_log edge2 "$m2" ': start t='
kill -STOP "$mp"
wait_log edge1 "$m1" ': end t='
kill -9 "$src"
wait_for "the source still runs" gone "$src"
kill -CONT "$mp"
wait_rc
[ "$rc" = 0 ] && [ "$(field .ok)" = true ] ||
	fail "pre-copy, source killed at the end: exit $rc: $(cat "$TMP/m.json" "$TMP/m.err")"
check_serving edge1 "pre-copy, source killed at the end"
ok "source killed once the destination had every page: migrated, edge1 serves"

# 7. The source killed during a pre-copy's copy: the state is lost, and the report says so.
m1=$(mark edge1)
src=$(pid_on edge1)
migrate_bg edge2 --strategy precopy
wait_log edge1 "$m1" ': start t='
kill -9 "$src"
wait_rc
[ "$rc" = 1 ] && [ "$(field .served_at)" = null ] ||
	fail "pre-copy, source killed: exit $rc: $(cat "$TMP/m.json" "$TMP/m.err")"
field .error | grep -q "source instance on edge1 died during the copy.*the service is lost" ||
	fail "pre-copy, source killed: error: $(field .error)"
[ -z "$(pid_on edge2)" ] || fail "pre-copy, source killed: an instance is left on edge2"
ok "source killed during the copy: '$(field .error)'"
"$EDGEMU" steer "$run" game ue1 edge1 >/dev/null

# 8. Every request of migrate's probe is answered or counted lost, the last ones included:
# a cold migration leaves those queued at the frozen source unanswered.
"$EDGEMU" shape "$run" edge1:bh --dir both --rate 200mbit >/dev/null
"$EDGEMU" migrate "$run" game ue1 --to edge2 --strategy cold --json >"$TMP/m.json" ||
	fail "cold: $(cat "$TMP/m.json")"
sent=$(field .probe.sent)
counted=$(($(field .probe.answered) + $(field .probe.lost)))
[ "$counted" -ge "$sent" ] && [ "$(field .probe.lost)" -gt 0 ] ||
	fail "cold: probe sent $sent, answered + lost $counted: $(jq -c .probe "$TMP/m.json")"
ok "cold: the probe sent $sent, answered $(field .probe.answered), lost $(field .probe.lost)"

"$EDGEMU" down "$run" >/dev/null
assert_gone "$run"
ok "down: nothing left"
