#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Two runs of one file, started at the same time with different --name, work side by side
# with different address pools; a third with a taken name is refused and changes nothing.
. "$(dirname "$0")/lib.sh"

a=$(rand_run)
b=$(rand_run)
RUNS+=("$a" "$b")
file=$TMP/wired.yaml
cat >"$file" <<'YAML'
name: wired
nodes:
  ue1:   { kind: ue }
  enb1:  { kind: enb }
  enb2:  { kind: enb }
  edge1: { kind: edge }
  edge2: { kind: edge }
  core:  { kind: router }
  cloud: { kind: cloud }
links:
  - { endpoints: [ue1, enb1], delay: 4ms, rate: 100mbit }
  - { endpoints: [enb1, edge1], delay: 1ms }
  - { endpoints: [enb2, edge2], delay: 1ms }
  - { endpoints: [enb1, core], delay: 5ms }
  - { endpoints: [enb2, core], delay: 5ms }
  - { endpoints: [core, cloud], delay: 20ms }
YAML
"$EDGEMU" up "$file" --name "$a" >"$TMP/a.out" 2>&1 &
pa=$!
"$EDGEMU" up "$file" --name "$b" >"$TMP/b.out" 2>&1 &
pb=$!
wait $pa || fail "up $a failed: $(cat "$TMP/a.out")"
wait $pb || fail "up $b failed: $(cat "$TMP/b.out")"
ok "two concurrent ups of one file"

pool_a=$("$EDGEMU" show "$a" --json | grep -o '"pool":"[^"]*"')
pool_b=$("$EDGEMU" show "$b" --json | grep -o '"pool":"[^"]*"')
[ "$pool_a" != "$pool_b" ] || fail "both runs use $pool_a"
ok "pools differ: $pool_a, $pool_b"

for r in "$a" "$b"; do
	"$EDGEMU" exec "$r" ue1 -- ping -c 1 -W 2 -q cloud >/dev/null || fail "ue1 cannot reach cloud in $r"
	"$EDGEMU" exec "$r" edge2 -- ping -c 1 -W 2 -q ue1 >/dev/null || fail "edge2 cannot reach ue1 in $r"
done
ok "both runs route"

set +e
msg=$("$EDGEMU" up "$file" --name "$a" 2>&1)
st=$?
set -e
[ $st -ne 0 ] || fail "a second run named $a was accepted"
echo "$msg" | grep -q "exists already" || fail "unclear message for a taken name: $msg"
"$EDGEMU" exec "$a" ue1 -- ping -c 1 -W 2 -q cloud >/dev/null || fail "the refused up damaged $a"
ok "a taken name is refused: $msg"

"$EDGEMU" down "$a"
"$EDGEMU" exec "$b" ue1 -- ping -c 1 -W 2 -q cloud >/dev/null || fail "down $a broke $b"
"$EDGEMU" down "$b"
assert_gone "$a"
assert_gone "$b"
ok "each down removes its own run only"
