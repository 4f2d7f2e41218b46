#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A scenario's apps: (issue 15): an iperf3 pair whose JSON lands in apps/, exit statuses and
# signals in events.csv, a program stopped at its until (SIGTERM) and one that ignores it
# (SIGKILL after the grace), the EDGEMU_* environment, a missing program refused before
# anything is built; nothing left running after a normal end, SIGINT, SIGKILL + clean, and
# `edgemu up` + `edgemu down`.
#
# Isolated (isolate.sh): its `edgemu clean` must see its own runs only.
. "$(dirname "$0")/isolate.sh"
. "$(dirname "$0")/lib.sh"

command -v iperf3 >/dev/null || { echo "SKIP: iperf3 is missing"; exit 77; }

# Markers no other process on the machine has in its command line: pgrep finds ours only.
mark=$((900000 + RANDOM))
port=$((20000 + RANDOM % 20000))
left() { pgrep -f "sleep $mark|iperf3 .*-p $port" || true; }
# Whatever failed, the apps go too (the test's status kept for cleanup to exit with).
trap 'rc=$?; pkill -KILL -f "sleep $mark|iperf3 .*-p $port" || true; set +e; (exit $rc); cleanup' EXIT

# scenario FILE RUN DURATION: two nodes (a UE and a host) on a link, and the apps of stdin.
scenario() {
	{
		echo "name: $2"
		echo "duration: $3"
		echo "nodes:"
		echo "  a: { kind: ue }"
		echo "  b: { kind: host }"
		echo "links:"
		echo "  - { endpoints: [a, b], delay: 1ms }"
		echo "apps:"
		cat
	} >"$1"
}

# started: until both apps of stoppable() run their sleep (the trap is set then; 10 s at
# most).
started() {
	local i
	for ((i = 0; i < 1000; i++)); do
		[ "$(pgrep -fc "^sleep $mark" || true)" -ge 2 ] && return 0
		sleep 0.01
	done
	return 1
}

# t_of FILE EVENT DETAIL: the time of the first EVENT line whose detail starts with DETAIL.
t_of() { awk -F, -v e="$2" -v d="\"$3" '$2 == e && index($4, d) == 1 { print $1; exit }' "$1"; }

# --- a run to its end ---
run=$(rand_run)
RUNS+=("$run")
scenario "$TMP/a.yaml" "$run" 4s <<EOF2
  - { name: srv, node: b, run: "iperf3 -s -1 -p $port" }
  - { name: cli, node: a, run: "iperf3 -c b -p $port -t 1 -J", at: 300ms }
  - { name: ex3, node: b, run: "sh -c 'exit 3'" }
  - { name: slp, node: b, run: "sleep $mark", until: 1s }
  - { name: ign, node: a, run: "sh -c 'trap \"\" TERM; sleep $mark'", until: 1s }
  - { name: env, node: a, run: "sh -c 'echo \$EDGEMU_NODE \$EDGEMU_RUN \$EDGEMU_RESULTS'" }
EOF2
"$EDGEMU" run "$TMP/a.yaml" -o "$TMP/res" >"$TMP/run.out" 2>&1 || {
	cat "$TMP/run.out"
	fail "edgemu run failed"
}
ev=$TMP/res/events.csv
python3 -m json.tool "$TMP/res/apps/cli.out" >/dev/null || fail "apps/cli.out is not JSON: $(head -c 300 "$TMP/res/apps/cli.out")"
jq -e '.end.sum_received.bytes > 0' "$TMP/res/apps/cli.out" >/dev/null ||
	fail "iperf3 received nothing: $(jq -c .error "$TMP/res/apps/cli.out")"
grep -q ',app_exit,-,"srv: status 0"' "$ev" || fail "the iperf3 server did not end well: $(cat "$ev")"
grep -q ',app_exit,a,"cli: status 0"' "$ev" || fail "the iperf3 client (in UE a) did not end well: $(cat "$ev")"
grep -q ',app_start,a,"cli: pid [0-9]*: iperf3 -c b -p '"$port"' -t 1 -J"' "$ev" || fail "no app_start of cli: $(cat "$ev")"
ok "iperf3 pair: JSON in apps/cli.out, both exit 0"
grep -q ',app_exit,-,"ex3: status 3"' "$ev" || fail "no app_exit status 3: $(cat "$ev")"
ok "exit status 3 in events.csv"
t=$(t_of "$ev" app_exit "slp: signal SIGTERM")
[ -n "$t" ] || fail "sleep was not stopped by SIGTERM: $(cat "$ev")"
awk -v t="$t" 'BEGIN { exit !(t >= 1.0 && t < 1.5) }' || fail "sleep stopped at $t s, not at until (1 s)"
t=$(t_of "$ev" app_exit "ign: signal SIGKILL")
[ -n "$t" ] || fail "the app ignoring SIGTERM was not SIGKILLed: $(cat "$ev")"
awk -v t="$t" 'BEGIN { exit !(t >= 2.9 && t < 3.6) }' || fail "SIGKILL at $t s, not at until + grace (3 s)"
ok "stopped at until: SIGTERM at 1 s, SIGKILL at $t s for one that ignores it"
[ "$(cat "$TMP/res/apps/env.out")" = "a $run $TMP/res" ] || fail "EDGEMU_* in the app: '$(cat "$TMP/res/apps/env.out")'"
ok "EDGEMU_NODE, EDGEMU_RUN, EDGEMU_RESULTS"
[ -z "$(left)" ] || fail "left running after the run's end: $(left)"
assert_gone "$run"
ok "nothing left after the end"

# --- with radio, an app at 0s finds its UE attached: its first packet gets an answer ---
run=$(rand_run)
RUNS+=("$run")
cat >"$TMP/r.yaml" <<EOF2
name: $run
duration: 1s
nodes:
  ue1: { kind: ue, pos: [10, 0] }
  enb1: { kind: enb, pos: [0, 0] }
  cloud: { kind: cloud }
links:
  - { endpoints: [enb1, cloud], delay: 1ms }
radio: {}
apps:
  - { name: ping, node: ue1, run: "ping -n -c 1 -W 1 cloud" }
EOF2
"$EDGEMU" run "$TMP/r.yaml" -o "$TMP/r-res" >"$TMP/r.out" 2>&1 || fail "radio run: $(cat "$TMP/r.out")"
grep -q ',app_exit,ue1,"ping: status 0"' "$TMP/r-res/events.csv" ||
	fail "the UE's first ping at 0s went unanswered: $(cat "$TMP/r-res/apps/ping.out" "$TMP/r-res/events.csv")"
ok "radio: an app at 0s in a UE finds it attached"

# --- a missing program: refused before anything is built ---
run=$(rand_run)
RUNS+=("$run")
scenario "$TMP/m.yaml" "$run" 2s <<EOF2
  - { node: b, run: "sleep $mark" }
  - { node: a, run: "nosuch-program-$mark -x" }
EOF2
before=$(ip netns list | wc -l)
rc=0
"$EDGEMU" run "$TMP/m.yaml" -o "$TMP/m-res" >"$TMP/m.out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "edgemu run of a missing program: exit $rc, not 1"
grep -qF "$TMP/m.yaml:10:21: run: program 'nosuch-program-$mark' is not found in \$PATH" "$TMP/m.out" ||
	fail "no file:line:col message: $(cat "$TMP/m.out")"
[ "$(ip netns list | wc -l)" -eq "$before" ] || fail "namespaces were made"
[ ! -e "$TMP/m-res" ] || fail "a results folder was made"
rc=0
"$EDGEMU" up "$TMP/m.yaml" >"$TMP/m.out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "edgemu up of a missing program: exit $rc, not 1"
grep -qF "$TMP/m.yaml:10:21: run: program 'nosuch-program-$mark' is not found in \$PATH" "$TMP/m.out" ||
	fail "up: no file:line:col message: $(cat "$TMP/m.out")"
[ "$(ip netns list | wc -l)" -eq "$before" ] || fail "up made namespaces"
assert_gone "$run"
ok "a missing program refused before anything is built (run and up)"

# --- a program that cannot exec (its interpreter is missing): an event, not the run's end ---
run=$(rand_run)
RUNS+=("$run")
printf '#!/nonexistent/interpreter\n' >"$TMP/bad"
chmod +x "$TMP/bad"
scenario "$TMP/b.yaml" "$run" 1s <<EOF2
  - { name: bad, node: b, run: "$TMP/bad" }
EOF2
"$EDGEMU" run "$TMP/b.yaml" -o "$TMP/b-res" >"$TMP/b.out" 2>&1 || fail "a run with an app that cannot exec failed: $(cat "$TMP/b.out")"
grep -q ',app_error,-,"bad: executing .*: No such file or directory"' "$TMP/b-res/events.csv" ||
	fail "no app_error: $(cat "$TMP/b-res/events.csv")"
grep -q ',app_exit,-,"bad: status 127"' "$TMP/b-res/events.csv" || fail "no status 127: $(cat "$TMP/b-res/events.csv")"
grep -q "app bad: executing" "$TMP/b.out" || fail "not said: $(cat "$TMP/b.out")"
rc=0
"$EDGEMU" up "$TMP/b.yaml" >"$TMP/b.out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "up with an app that cannot exec: exit $rc, not 1"
grep -q "starting app bad: executing" "$TMP/b.out" || fail "up: not said: $(cat "$TMP/b.out")"
assert_gone "$run"
ok "a program that cannot exec: app_error and status 127 (run); refused, nothing left (up)"

# The apps a run that must be stopped starts: one that goes on SIGTERM, one that ignores it.
stoppable() {
	cat <<EOF2
  - { node: b, run: "sleep $mark" }
  - { node: a, run: "sh -c 'trap \"\" TERM; sleep $mark'" }
EOF2
}

# --- SIGINT ---
run=$(rand_run)
RUNS+=("$run")
stoppable | scenario "$TMP/i.yaml" "$run" 60s
"$EDGEMU" run "$TMP/i.yaml" -o "$TMP/i-res" >"$TMP/i.out" 2>&1 &
pid=$!
started || fail "the apps did not start: $(cat "$TMP/i.out")"
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
[ "$rc" -eq 130 ] || fail "edgemu run after SIGINT: exit $rc, not 130"
grep -q ',app_exit,-,"b-0: signal SIGTERM"' "$TMP/i-res/events.csv" || fail "after SIGINT: $(cat "$TMP/i-res/events.csv")"
grep -q ',app_exit,a,"a-1: signal SIGKILL"' "$TMP/i-res/events.csv" || fail "after SIGINT: $(cat "$TMP/i-res/events.csv")"
[ -z "$(left)" ] || fail "left running after SIGINT: $(left)"
assert_gone "$run"
ok "SIGINT: the apps stopped (SIGTERM, then SIGKILL), nothing left"

# --- SIGKILL, then edgemu clean ---
run=$(rand_run)
RUNS+=("$run")
stoppable | scenario "$TMP/k.yaml" "$run" 60s
"$EDGEMU" run "$TMP/k.yaml" -o "$TMP/k-res" >"$TMP/k.out" 2>&1 &
pid=$!
started || fail "the apps did not start: $(cat "$TMP/k.out")"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
"$EDGEMU" clean >/dev/null
[ -z "$(left)" ] || fail "left running after SIGKILL and clean: $(left)"
assert_gone "$run"
ok "SIGKILL + clean: nothing left"

# --- edgemu up, then edgemu down ---
run=$(rand_run)
RUNS+=("$run")
{
	stoppable
	echo "  - { name: env, node: b, run: \"sh -c 'echo \$EDGEMU_NODE \$EDGEMU_RUN \$EDGEMU_RESULTS'\" }"
} | scenario "$TMP/u.yaml" "$run" 1s
"$EDGEMU" up "$TMP/u.yaml" >"$TMP/u.out" 2>"$TMP/u.err" || fail "edgemu up: $(cat "$TMP/u.err")"
grep -q "^app a-1 in a: pid [0-9]*: sh -c 'trap \"\" TERM; sleep $mark'" "$TMP/u.err" || fail "up: no line for the app: $(cat "$TMP/u.err")"
sleep 0.3
[ "$(pgrep -fc "sleep $mark")" -ge 2 ] || fail "up: the apps do not run after up returned: $(left)"
[ "$(cat "/run/edgemu/$run/apps/env.out")" = "b $run /run/edgemu/$run" ] || fail "up: EDGEMU_* '$(cat "/run/edgemu/$run/apps/env.out")'"
"$EDGEMU" down "$run" || fail "edgemu down"
[ -z "$(left)" ] || fail "left running after down: $(left)"
assert_gone "$run"
ok "up starts the apps (detached), down stops them, nothing left"
