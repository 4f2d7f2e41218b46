#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Checks vm.sh from the host (ctest vm_harness): the command's status, stdout and stderr come
# back apart and intact, arguments arrive as given, a timeout kills the VM with status 124,
# and nothing is left behind: no qemu, no temporary files.
set -euo pipefail
vm=${EDGEMU_VM_SH:-$(dirname "$0")/vm.sh}

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

work=$(mktemp -d /tmp/edgemu-vmh.XXXXXX)
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work/tmp # vm.sh's temporary folders go here, to be counted
mkdir "$TMPDIR"

# Nothing of ours may be left: no qemu whose command line names our folder, no files.
assert_clean() {
	pgrep -f "qemu-system.*$TMPDIR" >/dev/null && fail "qemu left running after $1"
	[ -z "$(ls -A "$TMPDIR")" ] || fail "temporary files left after $1: $(ls -A "$TMPDIR")"
	return 0
}

rc=0
# shellcheck disable=SC2016 # $HOME is an argument, not to be expanded
"$vm" -- sh -c 'printf "%s|" "$@"; echo; echo to-stderr >&2; exit 42' sh "a b" "'" '$HOME' '*' '' \
	>"$work/out" 2>"$work/err" || rc=$?
[ $rc -ne 77 ] || { cat "$work/err"; exit 77; }
[ $rc -eq 42 ] || fail "status $rc, expected the command's 42; stderr: $(cat "$work/err")"
[ "$(cat "$work/out")" = "a b|'|\$HOME|*||" ] || fail "stdout: '$(cat "$work/out")'"
[ "$(cat "$work/err")" = "to-stderr" ] || fail "stderr: '$(cat "$work/err")'"
assert_clean "a run"
ok "status, stdout, stderr and arguments come back as the command gave them"

# The timeout (boot included) cut the command short: vm.sh ended sooner than the command
# alone could have, however slowly a loaded machine boots the VM (a timeout that waited for
# the command would take 100 s and more, and the command's status would come back).
rc=0
start=$SECONDS
"$vm" --timeout 2 -- sleep 100 >"$work/out" 2>"$work/err" || rc=$?
[ $rc -eq 124 ] || fail "status $rc after a timeout, expected 124; stderr: $(cat "$work/err")"
grep -q 'timed out' "$work/err" || fail "no timeout message: $(cat "$work/err")"
[ $((SECONDS - start)) -lt 100 ] || fail "the timeout took $((SECONDS - start)) s: the command was not cut short"
assert_clean "a timeout"
ok "a timeout kills the VM, says so and exits 124"

# Ctrl-C or SIGTERM while the command runs. (bash ignores SIGINT in a background job, so
# the test sends SIGTERM; vm.sh handles both the same way.)
rc=0
"$vm" -- sh -c 'echo started; sleep 100' >"$work/out" 2>"$work/err" &
pid=$!
# However long the VM takes to boot on a busy machine (vm.sh's default timeout bounds it).
while ! grep -q started "$work/out" && kill -0 $pid 2>/dev/null; do
	sleep 0.1
done
grep -q started "$work/out" || fail "the command did not start: $(cat "$work/err")"
kill -TERM $pid
wait $pid || rc=$?
[ $rc -eq 143 ] || fail "status $rc after SIGTERM, expected 143"
assert_clean "SIGTERM"
ok "SIGTERM stops the VM and cleans up"
