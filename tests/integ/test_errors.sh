#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bad input gets a clear error naming file:line:column, and nothing is created. Without root,
# edgemu says what it needs.
. "$(dirname "$0")/lib.sh"

# The bad files' run is named x: its namespaces would be em-x-* (others' runs come and go).
mine() { ip netns list | awk '$1 ~ /^em-x-/' | sort; }
before=$(mine)
check() { # FILE-CONTENT EXPECTED-SUBSTRING
	local f=$TMP/bad.yaml st msg
	printf '%s\n' "$1" >"$f"
	set +e
	msg=$("$EDGEMU" up "$f" 2>&1)
	st=$?
	set -e
	[ $st -eq 1 ] || fail "exit status $st for: $1"
	echo "$msg" | grep -qF "$2" || fail "expected '$2' in: $msg"
	[ "$(mine)" = "$before" ] || fail "namespaces were created for a bad file"
	ok "$msg"
}
check $'name: x\nnodes:\n  a: { kind: host }\n  b: { kind: host }\nlinks:\n  - { endpoints: [a, c] }' "bad.yaml:6:"
check $'name: x\nnodes:\n  a: { kind: host }\nlinks:\n  - { endpoints: [a, a] }' "bad.yaml:5:"
check $'name: x\nnodes:\n  a: { kind: host }\n  b: { kind: host }\nlinks:\n  - { endpoints: [a, b], delay: 5 }' "bad.yaml:6:"
check $'name: x\nnodes:\n  a: { kind: hots }' "bad.yaml:3:"
check $'name: x\ncolour: red\nnodes:\n  a: { kind: host }' "bad.yaml:2:1: unknown key 'colour'"

# The file must be readable by nobody, so the error is about root and not the file.
pub=$(mktemp /tmp/edgemu-nobody.XXXXXX.yaml)
install -m 644 "$EDGEMU_SRC/experiments/quickstart.yaml" "$pub"
set +e
msg=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$EDGEMU" up "$pub" 2>&1)
st=$?
set -e
rm -f "$pub"
[ $st -ne 0 ] || fail "up as nobody succeeded"
echo "$msg" | grep -q "needs root" || fail "unclear message without root: $msg"
ok "without root: $msg"
set +e
setpriv --reuid=65534 --regid=65534 --clear-groups "$EDGEMU" check >"$TMP/check" 2>&1
st=$?
set -e
[ $st -ne 0 ] || fail "check as nobody said a run can work"
grep -q "needs root" "$TMP/check" || fail "check as nobody does not say root is needed"
ok "check without root says a run cannot work"
