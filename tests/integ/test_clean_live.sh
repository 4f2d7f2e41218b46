#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `edgemu clean` removes only what no live process owns:
# - a live `edgemu run` is left alone (clean says so, show marks it live) and ends normally,
#   with its results and no error;
# - the same run killed with SIGKILL is a leftover: show marks it so, clean removes it all.
. "$(dirname "$0")/lib.sh"
: "${EDGEMU_SRC:?EDGEMU_SRC must name the source tree}"
scen=$EDGEMU_SRC/experiments/quickstart.yaml

# status RUN: live, idle or leftover, as `edgemu show --json` lists it.
status() { "$EDGEMU" show --json | jq -r --arg r "$1" '.runs[] | select(.run == $r) | .status'; }

# 1. A live run survives clean.
r1=$(rand_run)
RUNS+=("$r1")
run_bg 1 "$r1" "$scen" 10s
out=$("$EDGEMU" clean)
echo "$out" | grep -qx "run $r1: live (edgemu run, pid $pid), left alone" ||
	fail "clean did not leave the live run alone, or did not say so: $out"
[ "$(status "$r1")" = live ] || fail "show does not mark $r1 live: $("$EDGEMU" show)"
"$EDGEMU" show | grep -qx "$r1  live (edgemu run, pid $pid)" ||
	fail "show's list: $("$EDGEMU" show)"
"$EDGEMU" show "$r1" >"$TMP/show1"
grep -qx "status: live (edgemu run, pid $pid)" "$TMP/show1" ||
	fail "show $r1: $(head -5 "$TMP/show1")"
[ "$(ip netns list | grep -c "^em-$r1-")" -eq 7 ] || fail "clean touched the live run's namespaces"
set +e
wait "$pid"
st=$?
set -e
[ $st -eq 0 ] || fail "the live run ended with $st after clean: $(tail -3 "$TMP/r1.err")"
jq -e '.error == null' "$TMP/res1/summary.json" >/dev/null ||
	fail "summary.json of the live run: $(jq -c .error "$TMP/res1/summary.json")"
[ "$(wc -l <"$TMP/res1/rtt.csv")" -gt 10 ] || fail "the live run has no RTT results"
assert_gone "$r1"
ok "clean left the live run $r1 alone; it ended with exit 0, results and no error"

# 2. The same run killed: a leftover, which clean removes.
r2=$(rand_run)
RUNS+=("$r2")
run_bg 2 "$r2" "$scen" 120s
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
[ "$(status "$r2")" = leftover ] || fail "show does not mark the killed $r2 leftover: $("$EDGEMU" show)"
"$EDGEMU" show | grep -qx "$r2  leftover (edgemu run, pid $pid, died before removing it): edgemu clean removes it" ||
	fail "show's list: $("$EDGEMU" show)"
out=$("$EDGEMU" clean)
echo "$out" | grep -qx "run $r2: removed (leftover: edgemu run, pid $pid, died before removing it)" ||
	fail "clean did not remove the killed run: $out"
assert_gone "$r2"
[ -e "/sys/fs/bpf/edgemu/$r2" ] && fail "the killed run's BPF pins are left"
ok "a killed run is a leftover; clean removed it"
