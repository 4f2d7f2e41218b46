#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `up` killed with SIGKILL in the middle of building, then `edgemu clean`: nothing is left.
# Also: clean leaves runs kept by `up` (idle) alone and says so, and never touches a
# namespace edgemu did not make. Other users' runs on the machine are safe: clean removes
# leftovers only (test_clean_live.sh: live runs; test_clean_all.sh: --all).
#
# clean acts on the whole machine: run by another test at the same time, it would remove
# this test's leftovers before this one's clean could (and this one's clean theirs). The
# test runs in a mount namespace of its own whose /run/edgemu, /run/netns and /etc/netns are
# empty, so that it sees only its own runs and links.
. "$(dirname "$0")/isolate.sh"
. "$(dirname "$0")/lib.sh"

foreign=emforeign$$
ip netns add "$foreign"
trap 'ip netns del "$foreign" 2>/dev/null; cleanup' EXIT

run=$(rand_run)
RUNS+=("$run")
write_star "$TMP/star.yaml" "$run" 400
before=$(root_links)
"$EDGEMU" up "$TMP/star.yaml" >/dev/null 2>&1 &
pid=$!
# Kill once namespaces are being made, before the build is done.
wait_building "$run" "$pid" || fail "the build did not start"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
n=$(ip netns list | grep -c "^em-$run-" || true)
grep -q '^state=building' "/run/edgemu/$run/meta" || fail "the run finished before the kill; make the topology bigger"
[ "$n" -gt 0 ] || fail "no namespace was built before the kill"
ok "killed up after $n namespaces"

st=$("$EDGEMU" show --json | jq -r --arg r "$run" '.runs[] | select(.run == $r) | .status')
[ "$st" = leftover ] || fail "show marks the killed run '$st', not leftover"
out=$("$EDGEMU" clean)
echo "$out" | grep -q "^run $run: removed (leftover: edgemu up, pid $pid, died while building)$" ||
	fail "clean did not report removing $run: $out"
assert_gone "$run"
[ "$(root_links)" = "$before" ] || fail "root namespace links changed"
ip netns list | grep -q "^$foreign" || fail "clean removed a namespace edgemu did not make"
ok "clean removed the killed run and left $foreign alone"

# A run kept by up is idle: clean leaves it alone and says how to remove it.
run2=$(rand_run)
RUNS+=("$run2")
write_star "$TMP/small.yaml" "$run2" 3
"$EDGEMU" up "$TMP/small.yaml" >/dev/null
out=$("$EDGEMU" clean)
echo "$out" | grep -qx "run $run2: idle (edgemu up), left alone: edgemu down $run2 removes it (or edgemu clean --all)" ||
	fail "clean did not leave the idle $run2 alone, or did not say so: $out"
[ "$(ip netns list | grep -c "^em-$run2-")" -eq 3 ] || fail "clean touched the idle run's namespaces"
"$EDGEMU" down "$run2"
assert_gone "$run2"
out=$("$EDGEMU" clean)
echo "$out" | grep -qE "run ($run|$run2)" && fail "a second clean found our runs again: $out"
ok "clean leaves the idle run $run2 alone; down removes it"

# After a reboot /run is empty but /etc/netns keeps our links: clean removes those, and
# nothing in /etc/netns that is not one of them.
ghost=em-$(rand_run)-n1
mkdir -p /etc/netns "$TMP/foreign-etc"
ln -s "/run/edgemu/gone$$/etc" "/etc/netns/$ghost"
mkdir "/etc/netns/em-userdir$$"
ln -s "$TMP/foreign-etc" "/etc/netns/em-userlink$$"
trap 'ip netns del "$foreign" 2>/dev/null; rm -rf "/etc/netns/em-userdir$$" "/etc/netns/em-userlink$$" "/etc/netns/$ghost"; cleanup' EXIT
"$EDGEMU" clean | grep -q "removed /etc/netns/$ghost" || fail "clean kept the stale /etc/netns/$ghost"
[ -e "/etc/netns/$ghost" ] || [ -L "/etc/netns/$ghost" ] && fail "/etc/netns/$ghost still there"
[ -d "/etc/netns/em-userdir$$" ] || fail "clean removed a folder it did not make"
[ -L "/etc/netns/em-userlink$$" ] || fail "clean removed a link it did not make"
ok "clean removes stale /etc/netns links of edgemu only"
