#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SIGTERM and SIGINT during `up` remove what was built; the exit status says which signal.
. "$(dirname "$0")/lib.sh"

for sig in TERM INT; do
	run=$(rand_run)
	RUNS+=("$run")
	write_star "$TMP/star.yaml" "$run" 400
	# A background job of a script ignores SIGINT unless told otherwise: set it back.
	(trap - INT; exec "$EDGEMU" up "$TMP/star.yaml") >"$TMP/out" 2>&1 &
	pid=$!
	wait_building "$run" "$pid" || fail "SIG$sig: the build did not start"
	kill -s "$sig" "$pid"
	set +e
	wait "$pid"
	st=$?
	set -e
	grep -q "removing what was built" "$TMP/out" || fail "SIG$sig: no removal reported: $(cat "$TMP/out")"
	want=$((128 + $(kill -l "$sig")))
	[ $st -eq $want ] || fail "SIG$sig: exit status $st, expected $want"
	assert_gone "$run"
	ok "SIG$sig during up: everything removed, exit status $st"
done
