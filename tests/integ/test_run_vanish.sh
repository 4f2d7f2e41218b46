#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A run whose network is deleted under it (ip netns del, an older edgemu's clean) fails
# loudly: non-zero exit, the error in its output and in summary.json's "error".
. "$(dirname "$0")/lib.sh"
: "${EDGEMU_SRC:?EDGEMU_SRC must name the source tree}"
scen=$EDGEMU_SRC/experiments/quickstart.yaml

r1=$(rand_run)
RUNS+=("$r1")
run_bg 1 "$r1" "$scen" 120s
ip netns del "em-$r1-edge2"
set +e
wait "$pid"
st=$?
set -e
[ $st -ne 0 ] || fail "the run whose namespace was deleted exited 0"
grep -q "em-$r1-edge2 of node edge2 is gone" "$TMP/r1.err" ||
	fail "no error about the deleted namespace: $(tail -3 "$TMP/r1.err")"
jq -e '.error | test("edge2 is gone")' "$TMP/res1/summary.json" >/dev/null ||
	fail "summary.json error: $(jq -c .error "$TMP/res1/summary.json")"
n=$(grep -c ',error,' "$TMP/res1/events.csv" || true)
[ "$n" -eq 1 ] || fail "events.csv has $n error lines, expected 1: $(grep ',error,' "$TMP/res1/events.csv")"
assert_gone "$r1"
ok "a run whose namespace was deleted exited $st and said why (output and summary.json)"
