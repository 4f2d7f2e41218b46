#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `up` killed with SIGKILL in the middle of building, then `edgemu clean`: nothing is left.
# Also: clean removes runs kept by `up`, and never touches a namespace edgemu did not make.
. "$(dirname "$0")/lib.sh"

others=$(ls /run/edgemu 2>/dev/null | grep -v '^\.' || true)
if [ -n "$others" ]; then
	echo "SKIP: other edgemu runs exist ($others); clean would remove them"
	exit 77
fi

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
wait_building "$run" || fail "the build did not start"
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
n=$(ip netns list | grep -c "^em-$run-" || true)
grep -q '^state=building' "/run/edgemu/$run/meta" || fail "the run finished before the kill; make the topology bigger"
[ "$n" -gt 0 ] || fail "no namespace was built before the kill"
ok "killed up after $n namespaces"

out=$("$EDGEMU" clean)
echo "$out" | grep -q "run $run: removed" || fail "clean did not report removing $run: $out"
assert_gone "$run"
[ "$(root_links)" = "$before" ] || fail "root namespace links changed"
ip netns list | grep -q "^$foreign" || fail "clean removed a namespace edgemu did not make"
ok "clean removed the killed run and left $foreign alone"

# A run kept by up is a leftover for clean too.
run2=$(rand_run)
RUNS+=("$run2")
write_star "$TMP/small.yaml" "$run2" 3
"$EDGEMU" up "$TMP/small.yaml" >/dev/null
"$EDGEMU" clean | grep -q "run $run2: removed" || fail "clean kept $run2"
assert_gone "$run2"
"$EDGEMU" clean | grep -q "nothing to clean" || fail "a second clean found something"

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
ok "clean removes kept runs, then has nothing to do"
