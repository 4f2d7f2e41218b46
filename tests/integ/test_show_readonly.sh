#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `edgemu show RUN` only reads: on a run whose steering maps are not pinned (a dead run, one
# killed before its services started) it pins nothing, which nothing would ever remove.
. "$(dirname "$0")/lib.sh"
: "${EDGEMU_SRC:?EDGEMU_SRC must name the source tree}"

run=$(rand_run)
RUNS+=("$run")
"$EDGEMU" up "$EDGEMU_SRC/experiments/quickstart.yaml" --name "$run" >/dev/null 2>"$TMP/up.err" ||
	fail "up: $(tail -3 "$TMP/up.err")"
pins=/sys/fs/bpf/edgemu/$run
[ -d "$pins" ] || fail "up pinned no steering maps in $pins"
"$EDGEMU" show "$run" >"$TMP/show1"
grep -q "ue1 -> edge1" "$TMP/show1" || fail "show does not read the steering: $(cat "$TMP/show1")"
ok "show reads the steering from the pinned maps: ue1 -> edge1"

# As if the run had died before pinning them.
rm -r "$pins"
"$EDGEMU" show "$run" >"$TMP/show2" 2>&1 || true
grep -q "ue1 -> (not steered)" "$TMP/show2" || fail "show without pins: $(cat "$TMP/show2")"
[ -e "$pins" ] && fail "show created $pins"
"$EDGEMU" show "$run" --json >/dev/null 2>&1 || true
[ -e "$pins" ] && fail "show --json created $pins"
ok "show on a run without pins creates none"
"$EDGEMU" down "$run"
assert_gone "$run"
