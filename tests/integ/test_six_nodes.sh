#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A 6-node topology: every node pings every other by name (through `edgemu exec` and
# `ip netns exec`), show reports it (text and JSON), and down leaves nothing behind; up asks
# the kernel about sch_netem again when the kept answer is from another boot.
#
# That answer is kept machine-wide, in /run/edgemu/.netem, for every run to read: the test
# runs in a mount namespace of its own whose /run/edgemu, /run/netns and /etc/netns are
# empty, so that the stale answer it writes there is never seen by other runs, and nothing
# of it outlives the test (the namespace goes with it, whatever happens).
. "$(dirname "$0")/isolate.sh"
. "$(dirname "$0")/lib.sh"

run=$(rand_run)
RUNS+=("$run")
cat >"$TMP/six.yaml" <<YAML
name: six
nodes:
  ue1:   { kind: ue }
  enb1:  { kind: enb }
  edge1: { kind: edge }
  core:  { kind: router }
  cloud: { kind: cloud }
  ue2:   { kind: ue }
links:
  - { endpoints: [ue1, enb1], delay: 2ms }
  - { endpoints: [ue2, "enb1:radio2"], delay: 2ms }
  - { endpoints: [enb1, edge1] }
  - { endpoints: [enb1, core], delay: 5ms }
  - { endpoints: [edge1, core], delay: 1ms }
  - { endpoints: ["core:up", cloud], delay: 20ms }
YAML
before=$(root_links)
# A kept answer about sch_netem from another boot is not trusted: up asks the kernel again.
echo "00000000-0000-0000-0000-000000000000 0" >/run/edgemu/.netem
out=$("$EDGEMU" up "$TMP/six.yaml" --name "$run" 2>"$TMP/up.err")
[ "$out" = "$run" ] || fail "up printed '$out', expected the run name $run"
read -r boot answer </run/edgemu/.netem
[ "$boot" = "$(cat /proc/sys/kernel/random/boot_id)" ] || fail "the netem answer was not asked again"
if [ "$answer" = 0 ]; then
	grep -q "the kernel has sch_netem" "$TMP/up.err" || fail "netem kept as present, up says: $(cat "$TMP/up.err")"
else
	grep -q "the kernel has no sch_netem" "$TMP/up.err" || fail "netem kept as absent, up says: $(cat "$TMP/up.err")"
fi
ok "the kernel's answer about sch_netem is kept for this boot only"
[ "$(ip netns list | grep -c "^em-$run-")" -eq 6 ] || fail "expected 6 namespaces in ip netns list"
[ "$(root_links)" = "$before" ] || fail "up added links to the root namespace"
ok "up: 6 namespaces, nothing in the root namespace"

nodes=(ue1 enb1 edge1 core cloud ue2)
for a in "${nodes[@]}"; do
	for b in "${nodes[@]}"; do
		[ "$a" = "$b" ] && continue
		"$EDGEMU" exec "$run" "$a" -- ping -c 1 -W 2 -q "$b" >/dev/null ||
			fail "$a cannot ping $b by name through edgemu exec"
	done
done
ok "all 30 ordered pairs ping by name through edgemu exec"
for a in ue1 cloud; do
	for b in "${nodes[@]}"; do
		[ "$a" = "$b" ] && continue
		ip netns exec "em-$run-$a" ping -c 1 -W 2 -q "$b" >/dev/null ||
			fail "$a cannot ping $b by name through ip netns exec"
	done
done
ok "ip netns exec resolves names too"

set +e
"$EDGEMU" exec "$run" ue1 -- sh -c 'exit 7'
st=$?
set -e
[ $st -eq 7 ] || fail "exec returned $st, expected 7"
ok "exec passes the exit status through"

"$EDGEMU" exec "$run" enb1 -- cat /proc/sys/net/ipv4/ip_forward | grep -qx 1 || fail "enb1 does not forward"
"$EDGEMU" exec "$run" ue1 -- cat /proc/sys/net/ipv4/ip_forward | grep -qx 0 || fail "ue1 forwards"
ok "eNBs, edges and routers forward; UEs do not"

txt=$("$EDGEMU" show "$run")
echo "$txt" | grep -q "radio2" || fail "show lacks interface radio2"
echo "$txt" | grep -q "delay 20ms" || fail "show lacks the core-cloud shaping"
json=$("$EDGEMU" show "$run" --json)
for key in '"run":"'"$run"'"' '"name":"ue1"' '"name":"radio2"' '"routes":[' '"delay_ns":20000000'; do
	echo "$json" | grep -qF "$key" || fail "show --json lacks $key"
done
ok "show and show --json describe the run"

"$EDGEMU" down "$run"
assert_gone "$run"
[ "$(root_links)" = "$before" ] || fail "root namespace links changed"
ok "down removed everything"
