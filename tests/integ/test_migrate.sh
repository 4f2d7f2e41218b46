#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Live migration of edgemu-svc with `edgemu migrate`, under load with a probe running:
# - each strategy (cold, pre-copy, post-copy) moves the service edge1 -> edge2 or back: the
#   counter never steps back, repeats or skips, answers afterwards come from the destination,
#   the source process is gone, both state hashes agree, and the client's largest answer gap
#   is at least the engine's downtime (it cannot see answers while nothing serves);
# - the destination killed in the middle (pre-copy while serving, cold while frozen), and the
#   backhaul cut (100% loss) in the middle of a pre-copy: the command fails saying what
#   happened, the service runs on at the source, the client's counter never steps back, and
#   a fresh client sees every counter rise by one;
# - post-copy's destination killed, or the backhaul cut, after the switch: the client table
#   comes back to the source (write-backs, or the destination's control socket), the
#   service runs on at the source, the counter never steps back.
. "$(dirname "$0")/lib.sh"
: "${EDGEMU_APPS:?EDGEMU_APPS must name the folder of the apps}"
probe=$EDGEMU_APPS/edgemu-probe

run=$(rand_run)
RUNS+=("$run")
cat >"$TMP/mig.yaml" <<YAML
name: migrun
nodes:
  ue1:   { kind: ue }
  enb1:  { kind: enb }
  edge1: { kind: edge }
  edge2: { kind: edge }
links:
  - { endpoints: [ue1, enb1], delay: 1ms }
  - { endpoints: [enb1, edge1], delay: 1ms }
  - { endpoints: ["edge1:bh", "edge2:bh"], delay: 1ms, rate: 200mbit }
services:
  game:
    vip: 10.200.0.1
    app: svc
    port: 7000
    state: 16MiB
    dirty: { rate: 2000/s, pattern: uniform }
    at: edge1
migration:
  strategy: precopy
  precopy: { max_rounds: 10, stop_below: 64 }
YAML
"$EDGEMU" up "$TMP/mig.yaml" --name "$run" >/dev/null
ok "up: ue1 - enb1 - edge1 - edge2 (200 Mbit/s backhaul), game (16 MiB, 2000 pages/s) at edge1"

pid_on() {
	awk -v n="$1" '$1 == "game" && $2 == n {p = $3} END {print p}' "/run/edgemu/$run/instances"
}
field() { jq -r "$1" "$TMP/m.json"; }
# A process that runs (a zombie has ended: PID 1 here may not reap the daemons it inherits).
alive() {
	local st
	st=$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# Each strategy, alternately from edge1 to edge2 and back.
from=edge1
to=edge2
for s in precopy cold postcopy; do
	old=$(pid_on "$from")
	[ -n "$old" ] && alive "$old" || fail "$s: no instance on $from before"
	"$EDGEMU" migrate "$run" game ue1 --to "$to" --strategy "$s" --json >"$TMP/m.json" ||
		fail "$s: migrate failed: $(cat "$TMP/m.json")"
	[ "$(field .ok)" = true ] || fail "$s: not ok: $(cat "$TMP/m.json")"
	[ "$(field .hash_ok)" = true ] || fail "$s: state hashes differ"
	[ "$(field .probe.counter_back)" = 0 ] || fail "$s: counter stepped back or repeated"
	[ "$(field .probe.counter_jump)" = 0 ] || fail "$s: counter skipped"
	[ "$(field .probe.last_instance)" = "$to" ] ||
		fail "$s: last answer from '$(field .probe.last_instance)', not $to"
	[ "$(field .probe.answered)" -gt 100 ] || fail "$s: the probe got $(field .probe.answered) answers"
	alive "$old" && fail "$s: the source (pid $old on $from) still runs"
	[ -z "$(pid_on "$from")" ] || fail "$s: $from still listed in the instances file"
	new=$(pid_on "$to")
	[ -n "$new" ] && alive "$new" || fail "$s: no instance on $to after"
	down=$(field .downtime_ms)
	gap=$(field .probe.gap_ms)
	within "$down" 0.001 100000 || fail "$s: engine downtime $down ms"
	# The probe stamps an answer when it reads it: a late wakeup on the last answer before
	# the gap (a loaded machine, ASan) shortens the gap by that delay. Allow 5 ms or 5 %;
	# a gap that misses the freeze (a bogus measure) still fails.
	slack=$(awk -v d="$down" 'BEGIN {s = d * 0.05; print (s > 5 ? s : 5)}')
	within "$(calc "$gap + $slack - $down")" 0 100000 ||
		fail "$s: the client's largest gap ($gap ms) is shorter than the engine's downtime ($down ms)"
	ok "$s: $from -> $to in $(field .total_ms) ms, downtime $down ms (engine) / $gap ms (client), $(field .pages) pages, $(field '.rounds | length') rounds, counter intact, source gone"
	t=$from; from=$to; to=$t
done
[ "$(field .faults)" -ge 0 ] && [ "$(field .requests)" -gt 0 ] ||
	fail "post-copy: the destination asked for no page"

# The service answers from $from with its counter intact (a fresh client, 300 requests).
check_serving() {
	local at=$1 what=$2
	"$EDGEMU" exec "$run" ue1 -- "$probe" 10.200.0.1 --port 7000 --interval 2ms --count 300 \
		--check-counter --json "$TMP/p.json" --quiet || fail "$what: probe failed"
	[ "$(jq -r .answered "$TMP/p.json")" -ge 290 ] || fail "$what: $(jq -c . "$TMP/p.json")"
	[ "$(jq -r .counter_errors "$TMP/p.json")" = 0 ] || fail "$what: counter errors after"
	[ "$(jq -r .instance "$TMP/p.json")" = "$at" ] && [ "$(jq -r .instance_changes "$TMP/p.json")" = 0 ] ||
		fail "$what: answers not all from $at: $(jq -c . "$TMP/p.json")"
}

# A migration in the background; $1 seconds in, $2 is run to break it. Sets rc.
migrate_broken() {
	local after=$1 breaker=$2
	shift 2
	rc=0
	"$EDGEMU" migrate "$run" game ue1 --to "$to" --json "$@" >"$TMP/m.json" 2>"$TMP/m.err" &
	local mp=$!
	sleep "$after"
	eval "$breaker"
	wait "$mp" || rc=$?
}

# A slower backhaul, 20 Mbit/s: a full copy of the 16 MiB takes about 7 s, time to break it.
"$EDGEMU" shape "$run" edge1:bh --dir both --rate 20mbit >/dev/null
src=$(pid_on "$from")
for s in precopy cold; do
	migrate_broken 1.5 'kill -9 $(pid_on "$to")' --strategy "$s"
	[ "$rc" = 1 ] || fail "$s, destination killed: exit $rc: $(cat "$TMP/m.json")"
	[ "$(field .ok)" = false ] && [ "$(field .rolled_back)" = true ] ||
		fail "$s, destination killed: $(cat "$TMP/m.json")"
	field .error | grep -q "destination" || fail "$s: error does not name the destination: $(field .error)"
	# Thawed, the source answers the requests queued while it was frozen in one burst, and
	# a link's queue may drop some of those answers: a skip is an answer lost on the way
	# back, which the service did count. A step back would be state lost.
	[ "$(field .probe.counter_back)" = 0 ] ||
		fail "$s, destination killed: counter stepped back: $(jq -c .probe "$TMP/m.json")"
	[ "$(pid_on "$from")" = "$src" ] && alive "$src" || fail "$s: the source is not the one serving"
	[ -z "$(pid_on "$to")" ] || fail "$s: an instance is left on $to"
	check_serving "$from" "$s, destination killed"
	ok "$s, destination killed after 1.5 s: rolled back ('$(field .error)'), $from serves, counter intact"
done

# The backhaul cut: every frame lost both ways, the source gives up after its 1 s timeout.
migrate_broken 1.5 '"$EDGEMU" shape "$run" edge1:bh --dir both --loss 100% >/dev/null' \
	--strategy precopy --timeout 1s
"$EDGEMU" shape "$run" edge1:bh --dir both --loss 0 --rate 20mbit >/dev/null
[ "$rc" = 1 ] && [ "$(field .rolled_back)" = true ] || fail "backhaul cut: exit $rc: $(cat "$TMP/m.json")"
field .error | grep -q "timed out" || fail "backhaul cut: error: $(field .error)"
[ "$(field .probe.counter_back)" = 0 ] ||
	fail "backhaul cut: counter stepped back: $(jq -c .probe "$TMP/m.json")"
[ -z "$(pid_on "$to")" ] || fail "backhaul cut: an instance is left on $to"
check_serving "$from" "backhaul cut"
ok "backhaul cut during pre-copy: rolled back ('$(field .error)'), $from serves, counter intact"

# Post-copy: the destination serves from the switch on. Killed then, its write-backs (each
# sent before the answer that carries it) bring the client table back; with the backhaul
# cut, the runner reads the table over the destination's control socket.
migrate_broken 1.5 'kill -9 $(pid_on "$to")' --strategy postcopy
[ "$rc" = 1 ] && [ "$(field .rolled_back)" = true ] && [ "$(field .table_from)" = write-back ] ||
	fail "post-copy, destination killed: exit $rc: $(cat "$TMP/m.json")"
[ "$(field .probe.counter_back)" = 0 ] ||
	fail "post-copy, destination killed: counter stepped back: $(jq -c .probe "$TMP/m.json")"
check_serving "$from" "post-copy, destination killed"
ok "post-copy, destination killed after the switch: rolled back ('$(field .error)'), counter intact"

migrate_broken 1.5 '"$EDGEMU" shape "$run" edge1:bh --dir both --loss 100% >/dev/null' \
	--strategy postcopy --timeout 1s
"$EDGEMU" shape "$run" edge1:bh --dir both --loss 0 --rate 20mbit >/dev/null
[ "$rc" = 1 ] && [ "$(field .rolled_back)" = true ] && [ "$(field .table_from)" = destination ] ||
	fail "post-copy, backhaul cut: exit $rc: $(cat "$TMP/m.json")"
[ "$(field .probe.counter_back)" = 0 ] ||
	fail "post-copy, backhaul cut: counter stepped back: $(jq -c .probe "$TMP/m.json")"
check_serving "$from" "post-copy, backhaul cut"
ok "post-copy, backhaul cut after the switch: rolled back ('$(field .error)'), counter intact"

# The source has failed several migrations by now: one more pre-copy, and its figures are
# its own (round 0's bytes are those of one full copy, not left over from before).
"$EDGEMU" shape "$run" edge1:bh --dir both --rate 200mbit --loss 0 >/dev/null
"$EDGEMU" migrate "$run" game ue1 --to "$to" --strategy precopy --json >"$TMP/m.json" ||
	fail "pre-copy after the failures: $(cat "$TMP/m.json")"
b0=$(field '.rounds[0].bytes')
within "$b0" 16777216 20000000 || fail "pre-copy after the failures: round 0 moved $b0 bytes"
ok "pre-copy after the failures: round 0 moved $b0 bytes, done in $(field .total_ms) ms"

"$EDGEMU" down "$run" >/dev/null
assert_gone "$run"
ok "down: nothing left"
