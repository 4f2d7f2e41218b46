#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# app: svc from the scenario file: `edgemu up` starts edgemu-svc with the file's state and
# dirty settings (its 16 MiB are resident), a 1 ms probe through the VIP sees every counter
# rise by one from edge1's instance, `edgemu steer` starts a second svc instance on edge2 and
# the probe follows, one instance stops on SIGTERM and leaves the instances file, a start
# with extra arguments passes them on, and `edgemu down` leaves nothing.
. "$(dirname "$0")/lib.sh"
: "${INSTANCE_TOOL:?INSTANCE_TOOL must point at tests/integ/instance_tool}"
need_apps svc probe
probe=$EDGEMU_APPS/edgemu-probe

run=$(rand_run)
RUNS+=("$run")
cat >"$TMP/svc.yaml" <<YAML
name: svcrun
nodes:
  ue1:   { kind: ue }
  enb1:  { kind: enb }
  edge1: { kind: edge }
  edge2: { kind: edge }
links:
  - { endpoints: [ue1, enb1], delay: 1ms }
  - { endpoints: [enb1, edge1], delay: 1ms }
  - { endpoints: [enb1, edge2], delay: 2ms }
services:
  game:
    vip: 10.200.0.1
    app: svc
    port: 7000
    state: 16MiB
    dirty: { rate: 2000/s, pattern: hotset, hot: 10% }
    at: edge1
YAML
"$EDGEMU" up "$TMP/svc.yaml" --name "$run" >/dev/null
ok "up: game (app svc, 16 MiB, 2000 pages/s hotset 10%) at edge1"

# pid_of NODE: the pid `edgemu show --json` gives for game's instance on NODE, or nothing.
pid_of() {
	"$EDGEMU" show "$run" --json |
		jq -r --arg n "$1" '.services[0].instances[] | select(.node == $n) | .pid'
}

# check_svc PID WHAT: PID is edgemu-svc with the file's settings and its state resident.
check_svc() {
	local pid=$1 what=$2 comm cmd rss
	comm=$(cat "/proc/$pid/comm" 2>/dev/null) || fail "$what: no process $pid"
	[ "$comm" = edgemu-svc ] || fail "$what: pid $pid is '$comm', not edgemu-svc"
	cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline")
	grep -q -- "--state 16777216 --dirty-rate 2000 --pattern hotset --hot 10% --seed 1 --tcp" \
		<<<"$cmd" || fail "$what: arguments: $cmd"
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
	[ "$rss" -ge 16384 ] || fail "$what: VmRSS $rss KiB for 16 MiB of state"
	echo "$rss"
}

"$EDGEMU" show "$run" --json >"$TMP/show.json"
[ "$(jq -r '.services[0] | "\(.app) \(.state_bytes) \(.dirty.rate_pps) \(.dirty.pattern) \(.dirty.hot_ppm)"' \
	"$TMP/show.json")" = "svc 16777216 2000 hotset 100000" ] ||
	fail "show --json: $(jq -c '.services[0]' "$TMP/show.json")"
"$EDGEMU" show "$run" >"$TMP/show.txt"
grep -q "^  game  app svc  vip 10.200.0.1 port 7000$" "$TMP/show.txt" &&
	grep -q "^    state 16MiB, dirty rate 2000/s pattern hotset hot 10%$" "$TMP/show.txt" ||
	fail "show: $(grep -A3 '^services' "$TMP/show.txt")"
pid1=$(pid_of edge1)
[ -n "$pid1" ] || fail "no instance on edge1: $(jq -c '.services[0].instances' "$TMP/show.json")"
rss=$(check_svc "$pid1" "edge1's instance")
ok "show: app svc, state and dirty; edge1's instance is edgemu-svc, resident set $rss KiB"

# alive PID: PID runs (a zombie has exited: its parent, maybe init, reaps it when it can).
alive() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# probe_vip NAME: a 1 ms probe to the VIP for 2 s with --check-counter; JSON in $TMP/NAME.json.
probe_vip() {
	"$EDGEMU" exec "$run" ue1 -- "$probe" 10.200.0.1 --port 7000 --interval 1ms --duration 2s \
		--check-counter --quiet --csv "$TMP/$1.csv" --json "$TMP/$1.json" ||
		fail "probe $1 exited $?"
}
# probe_ok NAME INSTANCE: nearly every request answered by INSTANCE, no counter error.
probe_ok() {
	local j=$TMP/$1.json sent answered errors inst
	sent=$(jq -r .sent "$j")
	answered=$(jq -r .answered "$j")
	errors=$(jq -r .counter_errors "$j")
	inst=$(jq -r .instance "$j")
	[ "$sent" -ge 1900 ] || fail "$1: 2 s at 1 ms sent $sent requests"
	[ "$answered" -ge $((sent - 10)) ] || fail "$1: answered $answered of $sent"
	[ "$errors" = 0 ] || fail "$1: $errors counter errors: $(grep '^counter,' "$TMP/$1.csv" | head -3)"
	[ "$inst" = "$2" ] || fail "$1: answers from '$inst', not $2"
	[ "$(jq -r .instance_changes "$j")" = 0 ] || fail "$1: instance changes"
	echo "$answered of $sent"
}

probe_vip p1
n=$(probe_ok p1 edge1)
ok "probe ue1 -> VIP: $n answered by edge1, 0 counter errors"

out=$("$EDGEMU" steer "$run" game ue1 edge2) || fail "steer to edge2: $out"
pid2=$(pid_of edge2)
[ -n "$pid2" ] || fail "steer started no instance on edge2"
rss=$(check_svc "$pid2" "edge2's instance")
probe_vip p2
n=$(probe_ok p2 edge2)
ok "steer to edge2: a new edgemu-svc there (resident $rss KiB), $n answered by it"

# Stop edge1's instance: SIGTERM, so it exits cleanly with its summary in its log.
"$INSTANCE_TOOL" stop "$run" game edge1 || fail "stopping edge1's instance"
alive "$pid1" && fail "edge1's instance $pid1 still runs"
[ -z "$(pid_of edge1)" ] || fail "show still lists an instance on edge1"
grep -q "^game edge1 " "/run/edgemu/$run/instances" && fail "edge1 still in the instances file"
grep -q "requests answered" "/run/edgemu/$run/game@edge1.log" ||
	fail "no summary in edge1's log (not stopped by SIGTERM?): $(tail -3 "/run/edgemu/$run/game@edge1.log")"
"$INSTANCE_TOOL" stop "$run" game edge1 || fail "stopping no instance failed"
[ "$(pid_of edge2)" = "$pid2" ] || fail "edge2's instance changed"
ok "edge1's instance stopped by SIGTERM and gone from the instances file; edge2's runs on"

# A start with extra arguments: they come after the usual ones; a second start is refused.
pid3=$("$INSTANCE_TOOL" start "$run" game edge1 --quiet) || fail "start with --quiet failed"
[ "$(pid_of edge1)" = "$pid3" ] || fail "show: edge1's instance is '$(pid_of edge1)', not $pid3"
tr '\0' ' ' <"/proc/$pid3/cmdline" | grep -q -- "\.ctl --quiet $" ||
	fail "extra argument: $(tr '\0' ' ' <"/proc/$pid3/cmdline")"
rc=0
"$INSTANCE_TOOL" start "$run" game edge1 2>"$TMP/again.err" || rc=$?
[ "$rc" -eq 3 ] || fail "a second start on edge1 exited $rc: $(cat "$TMP/again.err")"
ok "start with extra arguments on edge1 (pid $pid3); a second start refused"

"$EDGEMU" down "$run"
assert_gone "$run"
for p in "$pid2" "$pid3"; do
	alive "$p" && [ "$(cat "/proc/$p/comm" 2>/dev/null)" = edgemu-svc ] &&
		fail "instance $p survived down"
done
ok "down removed everything: instances, run folder, namespaces"
