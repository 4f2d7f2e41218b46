#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Steering end to end (eBPF, or with EDGEMU_STEERING=route the route strategy): a 1 ms probe
# to a service's VIP while steering flips between two instances 20 times. Every flip takes
# effect for the requests sent after it returns,
# no request is lost (answers in flight from the old instance still reach the client), TCP
# through the VIP works, other traffic is untouched, and nothing is left after teardown.
. "$(dirname "$0")/lib.sh"
: "${EDGEMU_APPS:?EDGEMU_APPS must name the folder of the apps}"
probe=$EDGEMU_APPS/edgemu-probe
steering=${EDGEMU_STEERING:-ebpf}

run=$(rand_run)
RUNS+=("$run")
cat >"$TMP/steer.yaml" <<YAML
name: steer
nodes:
  ue1:   { kind: ue }
  enb1:  { kind: enb }
  core:  { kind: router }
  edge1: { kind: edge }
  edge2: { kind: edge }
  cloud: { kind: cloud }
links:
  - { endpoints: [ue1, enb1], delay: 1ms }
  - { endpoints: [enb1, edge1], delay: 1ms }
  - { endpoints: [enb1, core], delay: 1ms }
  - { endpoints: [core, edge2], delay: 2ms }
  - { endpoints: [core, cloud], delay: 5ms }
services:
  game: { vip: 10.200.0.1, app: echo, port: 7000, at: [edge1, edge2] }
migration: { steering: $steering }
YAML
# Programs are counted machine-wide: the count means something only while no other run
# (another test, a benchmark) loads its own.
# (grep finds nothing when no other run exists: that is 0, not a failure under pipefail.)
other_runs() { ls /run/edgemu 2>/dev/null | grep -v -x -e "$run" | grep -v '^\.' | wc -l || true; }
others_before=$(other_runs)
progs_before=$(bpftool prog list 2>/dev/null | grep -c steer_ || true)
"$EDGEMU" up "$TMP/steer.yaml" --name "$run" >/dev/null
"$EDGEMU" show "$run" | grep -q "ue1 -> edge1" || fail "ue1 is not steered to edge1 after up"
if [ "$steering" = ebpf ]; then
	[ -d "/sys/fs/bpf/edgemu/$run" ] || fail "no pinned maps in /sys/fs/bpf/edgemu/$run"
fi
ok "up ($steering steering): game on edge1 and edge2, ue1 steered to edge1"

# The probe runs until the flips are over and answers after the last one are in, however
# long the flips take on a busy machine; a request is lost when unanswered after 5 s (a
# relay stalled for a second on a loaded machine is late, not lossy).
"$EDGEMU" exec "$run" ue1 -- "$probe" 10.200.0.1 --port 7000 --interval 1ms --duration 120s --timeout 5s \
	--csv "$TMP/probe.csv" --json "$TMP/probe.json" --quiet >"$TMP/probe.out" 2>&1 &
pid=$!
trap 'rc=$?; kill -KILL "$pid" 2>/dev/null || true; (exit $rc); cleanup' EXIT
# probe_after NS N: until N answers to requests sent after NS are in the probe's CSV
probe_after() { wait_answers "$TMP/probe.csv" "$1" "$2" "$pid" "$TMP/probe.out"; }
probe_after 0 200
: >"$TMP/flips"
for i in $(seq 1 20); do
	to=$([ $((i % 2)) -eq 1 ] && echo edge2 || echo edge1)
	out=$("$EDGEMU" steer "$run" game ue1 "$to") || fail "steer to $to: $out"
	echo "$to $(echo "$out" | sed -n 's/.*from \([0-9]*\) to \([0-9]*\) ns.*/\2 \1/p')" >>"$TMP/flips"
	sleep 0.2
done
probe_after "$(tail -1 "$TMP/flips" | cut -d' ' -f2)" 200
kill -TERM "$pid"
wait "$pid" || fail "probe failed: $(cat "$TMP/probe.out")"
ok "20 flips under a 1 ms probe"

# A request sent after a flip ended and answered before the next one began met that flip's
# target wherever it was steered on the way: it must come from there. Requests in flight
# while a flip was under way are not judged (on a busy 2-core machine the relay can hold
# them for milliseconds). flips: target, end, begin (CLOCK_MONOTONIC ns, as the probe's).
verdict=$(awk -F, -v flips="$TMP/flips" '
	BEGIN { while ((getline l < flips) > 0) { split(l, f, " "); n++; to[n] = f[1]
		end_[n] = f[2]; begin[n] = f[3] } }
	$1 == "answer" {
		answers++
		k = 0	# the last flip that ended before the request was sent
		for (i = 1; i <= n; i++) if (end_[i] + 0 < $3 + 0) k = i
		if (k < n && $4 + 0 >= begin[k + 1] + 0) next	# the next flip began before the answer
		want = k ? to[k] : "edge1"
		if ($6 != want) bad++
		judged++
	}
	$1 == "loss" { lost++ }
	$1 == "instance" { changes++ }
	END { printf "%d %d %d %d %d\n", answers, bad + 0, lost + 0, changes + 0, judged + 0 }' "$TMP/probe.csv")
read -r answers bad lost changes judged <<<"$verdict"
# Flips 200 ms apart, requests every ms: most are judged; too few would prove nothing.
[ "$judged" -ge 2000 ] || fail "only $judged of $answers answers could be judged"
[ "$bad" -eq 0 ] || fail "$bad of $judged answers came from the old instance after a flip returned"
[ "$lost" -eq 0 ] || fail "$lost requests were lost"
[ "$changes" -ge 20 ] || fail "only $changes instance changes for 20 flips"
ok "$answers answers, $judged judged, each flip took effect ($changes instance changes), none lost"

# TCP through the VIP, to the instance ue1 is steered to now (edge1 after 20 flips).
"$EDGEMU" exec "$run" edge1 -- iperf3 -s -1 -p 5201 >/dev/null 2>&1 &
srv=$!
for ((i = 0; i < 1200; i++)); do
	[ -n "$("$EDGEMU" exec "$run" edge1 -- ss -Hltn 'sport = :5201')" ] && break
	sleep 0.05
done
"$EDGEMU" exec "$run" ue1 -- iperf3 -c 10.200.0.1 -p 5201 -t 1 >"$TMP/tcp" 2>&1 || fail "TCP through the VIP: $(tail -3 "$TMP/tcp")"
wait "$srv" 2>/dev/null || true
ok "TCP through the VIP: $(grep receiver "$TMP/tcp" | awk '{print $7, $8}')"

# Other traffic untouched: the nodes' own addresses, ICMP.
"$EDGEMU" exec "$run" ue1 -- ping -c 1 -W 2 -q edge2 >/dev/null || fail "ue1 cannot ping edge2"
"$EDGEMU" exec "$run" ue1 -- ping -c 1 -W 2 -q cloud >/dev/null || fail "ue1 cannot ping cloud"
ok "other traffic untouched"

"$EDGEMU" down "$run"
assert_gone "$run"
[ ! -e "/sys/fs/bpf/edgemu/$run" ] || fail "pinned maps left in /sys/fs/bpf/edgemu/$run"
progs_after=$(bpftool prog list 2>/dev/null | grep -c steer_ || true)
if [ "$others_before" = 0 ] && [ "$(other_runs)" = 0 ]; then
	[ "$progs_after" -le "$progs_before" ] ||
		fail "steering programs left: $progs_after (before: $progs_before)"
else
	echo "note: other runs exist, the machine-wide program count is not checked"
fi
ok "down removed programs, maps and everything else"
