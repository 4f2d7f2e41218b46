#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# app: process (issue 16): a service that is a plain program not ours (socat as a UDP echo
# server) answers a probe through its VIP with the link's RTT and no loss (eBPF and route
# steering); `edgemu up` + `edgemu show` list its instance, with the EDGEMU_ variables in its
# log, and `edgemu down` leaves nothing of it; a missing program, and a policy that could
# move it, are refused before anything is built; one that exits or never listens is a clear
# error with its log; SIGKILL of edgemu run + `edgemu clean` leaves nothing.
#
# Isolated (isolate.sh): its `edgemu clean` must see its own runs only.
. "$(dirname "$0")/isolate.sh"
. "$(dirname "$0")/lib.sh"

need_apps probe
command -v socat >/dev/null || { echo "SKIP: socat is missing (scripts/setup.sh)"; exit 77; }

# A port no other process on the machine has in its command line: pgrep finds ours only.
port=$((20000 + RANDOM % 20000))
mark=$((900000 + RANDOM))
left() { pgrep -f "UDP-LISTEN:$port|sleep $mark" || true; }
trap 'rc=$?; pkill -KILL -f "UDP-LISTEN:$port|sleep $mark" || true; set +e; (exit $rc); cleanup' EXIT

# scenario FILE RUN DURATION COMMAND [EXTRA]: a UE, an eNB and an edge; the service kv on
# the edge runs COMMAND; a probe from the UE to it; EXTRA lines at the end.
scenario() {
	cat >"$1" <<EOF
name: $2
duration: $3
nodes:
  ue1: { kind: ue }
  enb1: { kind: enb }
  edge1: { kind: edge }
links:
  - { endpoints: [ue1, enb1], delay: 5ms }
  - { endpoints: [enb1, edge1], delay: 1ms }
services:
  kv:
    app: process
    command: "$4"
    vip: 10.200.0.1
    port: $port
    at: edge1
probes:
  - { from: ue1, to: kv, interval: 20ms }
${5:-}
EOF
}

echo_cmd="sh -c 'echo env \$EDGEMU_RUN \$EDGEMU_NODE \$EDGEMU_SERVICE; exec socat UDP-LISTEN:$port,fork EXEC:cat'"

# --- a run to its end: every request answered, with the links' RTT (2 x 6 ms) ---
run=$(rand_run)
RUNS+=("$run")
scenario "$TMP/a.yaml" "$run" 3s "$echo_cmd"
"$EDGEMU" run "$TMP/a.yaml" -o "$TMP/res" >"$TMP/run.out" 2>&1 || {
	cat "$TMP/run.out"
	fail "edgemu run failed"
}
rtt=$TMP/res/rtt.csv
answers=$(awk -F, '$3 == "kv" && $5 != "" && $6 == "-"' "$rtt" | wc -l)
losses=$(awk -F, 'NR > 1 && $5 == ""' "$rtt" | wc -l)
[ "$answers" -ge 100 ] || fail "$answers answers from kv with instance '-': $(head -5 "$rtt")"
[ "$losses" -eq 0 ] || fail "$losses losses: $(grep -v ',[0-9.]*,-$' "$rtt" | head -5)"
med=$(awk -F, 'NR > 1 { print $5 }' "$rtt" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}')
within "$med" 11.5 16 || fail "median RTT $med ms, not the links' 12 ms"
ok "run: $answers answers from the program, median RTT $med ms, no loss"
[ -z "$(left)" ] || fail "left running after the run's end: $(left)"
assert_gone "$run"
ok "nothing left after the end"

# --- the route strategy: the VIP on the edge's loopback, which a 0.0.0.0 listener gets ---
run=$(rand_run)
RUNS+=("$run")
scenario "$TMP/r.yaml" "$run" 2s "socat UDP-LISTEN:$port,fork EXEC:cat" "migration: { steering: route }"
"$EDGEMU" run "$TMP/r.yaml" -o "$TMP/r-res" >"$TMP/r.out" 2>&1 || fail "route: $(cat "$TMP/r.out")"
answers=$(awk -F, '$3 == "kv" && $5 != "" && $6 == "-"' "$TMP/r-res/rtt.csv" | wc -l)
losses=$(awk -F, 'NR > 1 && $5 == ""' "$TMP/r-res/rtt.csv" | wc -l)
[ "$answers" -ge 60 ] && [ "$losses" -eq 0 ] || fail "route: $answers answers, $losses losses"
assert_gone "$run"
ok "route steering: $answers answers, no loss"

# --- edgemu up, show, down ---
# socat -d -d logs the signal that ends it; $$ and $PPID are its pid and init's, in its pid
# namespace.
up_cmd="sh -c 'echo env \$EDGEMU_RUN \$EDGEMU_NODE \$EDGEMU_SERVICE; echo pid \$\$ \$PPID; exec socat -d -d UDP-LISTEN:$port,fork EXEC:cat'"
run=$(rand_run)
RUNS+=("$run")
scenario "$TMP/u.yaml" "$run" 3s "$up_cmd"
"$EDGEMU" up "$TMP/u.yaml" >"$TMP/u.out" 2>&1 || fail "edgemu up: $(cat "$TMP/u.out")"
"$EDGEMU" show "$run" >"$TMP/show.out" 2>&1 || fail "edgemu show: $(cat "$TMP/show.out")"
grep -q "kv  app process" "$TMP/show.out" || fail "show: no app process: $(cat "$TMP/show.out")"
pid=$(grep -o "edge1 ([0-9.]*, pid [0-9]*)" "$TMP/show.out" | grep -o "[0-9]*)$" | tr -d ')')
[ -n "$pid" ] || fail "show lists no instance of kv: $(cat "$TMP/show.out")"
[ "$(ps -o pgid= -p "$pid" | tr -d ' ')" = "$pid" ] || fail "instance $pid leads no group of its own"
[ "$(readlink /proc/"$pid"/ns/net)" = "$(ip netns exec em-"$run"-edge1 readlink /proc/self/ns/net)" ] ||
	fail "instance $pid is not in edge1's namespace"
grep -qx "env $run edge1 kv" "/run/edgemu/$run/kv@edge1.log" ||
	fail "EDGEMU_ variables: $(cat "/run/edgemu/$run/kv@edge1.log")"
[ -n "$(left)" ] || fail "socat does not run"
ok "up + show: the instance (pid $pid, its own group, in edge1), EDGEMU_RUN, _NODE, _SERVICE"
# The instance is edgemu-init, pid 1 of a pid namespace of its own; the program its child.
[ "$(cat /proc/"$pid"/comm)" = edgemu-init ] || fail "instance $pid is $(cat /proc/"$pid"/comm)"
[ "$(readlink /proc/"$pid"/ns/pid)" != "$(readlink /proc/self/ns/pid)" ] ||
	fail "instance $pid is in the host's pid namespace"
grep -q "^NSpid:[[:space:]]*$pid[[:space:]]*1$" /proc/"$pid"/status ||
	fail "instance $pid is not pid 1 of its namespace: $(grep NSpid /proc/"$pid"/status)"
grep -qx "pid 2 1" "/run/edgemu/$run/kv@edge1.log" ||
	fail "the program is not pid 2, child of 1: $(cat "/run/edgemu/$run/kv@edge1.log")"
ok "a pid namespace of its own: edgemu-init is its pid 1, the program pid 2"
# Stopped by SIGTERM (socat's default: it exits), well before edgemu's 2 s grace ends in
# SIGKILL. Timed to the program's end: init reaps it at once, whereas init itself may stay a
# zombie for a while under a host's pid 1 that reaps late, which down waits for too.
# (down removes the log: a reader with it open keeps what socat writes at its end.)
tail -n0 -f "/run/edgemu/$run/kv@edge1.log" >"$TMP/down.log" 2>/dev/null &
tailpid=$!
sleep 0.2
t0=$(date +%s.%N)
"$EDGEMU" down "$run" >/dev/null 2>&1 &
downpid=$!
while [ -n "$(left)" ] && within "$(calc "$(date +%s.%N) - $t0")" 0 5; do sleep 0.01; done
took=$(calc "$(date +%s.%N) - $t0")
wait "$downpid" || fail "edgemu down failed"
sleep 0.3
kill "$tailpid"
wait "$tailpid" 2>/dev/null || true
within "$took" 0 1.5 || fail "the program ran $took s after edgemu down began"
grep -q "exiting on signal 15" "$TMP/down.log" ||
	fail "the program did not end by SIGTERM: its log at down: $(cat "$TMP/down.log")"
[ -z "$(left)" ] || fail "left running after down: $(left)"
assert_gone "$run"
ok "down: the program stopped by SIGTERM in $took s, nothing left"

# --- refused before anything is built ---
before=$(ip netns list | wc -l)
run=$(rand_run)
RUNS+=("$run")
scenario "$TMP/m.yaml" "$run" 2s "nosuch-program-$mark -x"
rc=0
"$EDGEMU" run "$TMP/m.yaml" -o "$TMP/m-res" >"$TMP/m.out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "edgemu run of a missing program: exit $rc, not 1"
grep -qF "$TMP/m.yaml:13:14: command: program 'nosuch-program-$mark' is not found in \$PATH" "$TMP/m.out" ||
	fail "run: no file:line:col message: $(cat "$TMP/m.out")"
rc=0
"$EDGEMU" up "$TMP/m.yaml" >"$TMP/m.out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "edgemu up of a missing program: exit $rc, not 1"
grep -qF "$TMP/m.yaml:13:14: command: program 'nosuch-program-$mark' is not found in \$PATH" "$TMP/m.out" ||
	fail "up: no file:line:col message: $(cat "$TMP/m.out")"
[ "$(ip netns list | wc -l)" -eq "$before" ] || fail "namespaces were made"
[ ! -e "$TMP/m-res" ] || fail "a results folder was made"
assert_gone "$run"
ok "a missing program refused before anything is built (run and up)"
scenario "$TMP/p.yaml" "$run" 2s "$echo_cmd" "migration: { policy: always }"
rc=0
"$EDGEMU" run "$TMP/p.yaml" -o "$TMP/p-res" >"$TMP/p.out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "a policy that could move kv: exit $rc, not 1"
grep -qF "$TMP/p.yaml:12:10: service kv (app: process): precopy migration" "$TMP/p.out" ||
	fail "no message: $(cat "$TMP/p.out")"
[ "$(ip netns list | wc -l)" -eq "$before" ] || fail "the refused policy made namespaces"
[ ! -e "$TMP/p-res" ] || fail "a results folder was made"
assert_gone "$run"
ok "a policy that could move a process service refused before anything is built"

# --- one that exits, one that never listens: the error says so, with its log ---
run=$(rand_run)
RUNS+=("$run")
scenario "$TMP/x.yaml" "$run" 2s "sh -c 'echo boom $mark; exit 3'"
rc=0
"$EDGEMU" up "$TMP/x.yaml" >"$TMP/x.out" 2>&1 || rc=$?
[ "$rc" -eq 1 ] || fail "a program that exits: exit $rc, not 1"
grep -q "kv@edge1 on node edge1 did not start: it exited with status 3" "$TMP/x.out" ||
	fail "no reason: $(cat "$TMP/x.out")"
grep -q "^  > boom $mark$" "$TMP/x.out" || fail "no log line: $(cat "$TMP/x.out")"
assert_gone "$run"
ok "a program that exits: its status and the end of its log, nothing left"
run=$(rand_run)
RUNS+=("$run")
scenario "$TMP/s.yaml" "$run" 2s "sleep $mark"
rc=0
t0=$(date +%s.%N)
"$EDGEMU" run "$TMP/s.yaml" -o "$TMP/s-res" >"$TMP/s.out" 2>&1 || rc=$?
t=$(calc "$(date +%s.%N) - $t0")
[ "$rc" -ne 0 ] || fail "a program that never listens: exit 0"
grep -q "did not start: nothing listens on port $port (UDP or TCP) after 10.0 s" "$TMP/s.out" ||
	fail "no reason: $(cat "$TMP/s.out")"
within "$t" 5 15 || fail "gave up after $t s, not 5 s"
[ -z "$(left)" ] || fail "left running: $(left)"
assert_gone "$run"
ok "a program that never listens: refused after 10 s, nothing left"

# --- SIGKILL, then edgemu clean ---
run=$(rand_run)
RUNS+=("$run")
scenario "$TMP/k.yaml" "$run" 60s "$echo_cmd"
"$EDGEMU" run "$TMP/k.yaml" -o "$TMP/k-res" >"$TMP/k.out" 2>&1 &
pid=$!
wait_line "$TMP/k-res/rtt.csv" '^[0-9.]+,ue1,kv,[0-9]+,[0-9.]+,-' "$pid" ||
	fail "no answer before the kill: $(cat "$TMP/k.out")"
[ -n "$(left)" ] || fail "socat does not run"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
"$EDGEMU" clean >/dev/null
[ -z "$(left)" ] || fail "left running after SIGKILL and clean: $(left)"
assert_gone "$run"
ok "SIGKILL + clean: nothing left"
