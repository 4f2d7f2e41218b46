#!/bin/bash
# SPDX-License-Identifier: MIT
# CRIU where it does not work (this machine's kernel: criu 3.17 cannot read its vDSO):
# `edgemu check` says so for each strategy with criu's own reason and what to do, and keeps its
# exit status; a scenario whose app: process service a policy may move is refused before
# anything is built, naming the service, its app:'s file:line:col, the strategy, criu's reason.
# What criu says is measured here first, not guessed: where it works, the "works" lines are
# checked instead, and its strategies are not refused (test_criu_migrate.sh moves programs).
. "$(dirname "$0")/lib.sh"

CRIU=$(PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin command -v criu || true)

# --- edgemu check, against what criu says itself ---
# reason_of TEXT: criu's first error line, not a helper child's exit, its "Error (f:l): " cut.
reason_of() {
	local r
	r=$(echo "$1" | sed -n 's/^Error ([^)]*): *//p' |
		grep -vE '^(exited, status=|killed by signal)' | head -1 || true)
	[ -n "$r" ] || r=$(echo "$1" | grep -v '^ *$' | head -1 || true)
	echo "$r"
}
out=$("$EDGEMU" check) && rc=0 || rc=$?
echo "$out" | sed -n '/^criu/,$p'
declare -A works reason
fix="boot a stock Debian kernel (tests/vm/vm.sh runs one) or use a newer CRIU"
if [ -z "$CRIU" ]; then
	echo "$out" | grep -qF "criu is not installed (apt-get install criu)" ||
		fail "no criu here, and edgemu check does not say so"
	for s in cold precopy postcopy; do
		works[$s]=0
		reason[$s]="criu is not installed (apt-get install criu)"
	done
else
	version=$("$CRIU" --version | sed -n 's/^Version: *//p')
	echo "$out" | grep -qF "criu $version ($CRIU)" || fail "no 'criu $version ($CRIU)' line"
	chk=$("$CRIU" check 2>&1) && base=0 || base=$?
	for s in cold precopy postcopy; do
		case $s in
		cold) ftxt=$chk fst=$base ;;
		precopy) ftxt=$("$CRIU" check --feature mem_dirty_track 2>&1) && fst=0 || fst=$? ;;
		postcopy) ftxt=$("$CRIU" check --feature uffd-noncoop 2>&1) && fst=0 || fst=$? ;;
		esac
		[ $base = 0 ] || ftxt=$chk
		line=$(echo "$out" | grep -E "^  $s +" || true)
		if [ $base = 0 ] && [ $fst = 0 ]; then
			works[$s]=1
			[ "$line" = "  $(printf '%-8s' $s) works" ] || fail "criu works for $s; check: '$line'"
			ok "criu $version works here for $s, and edgemu check says so"
			continue
		fi
		works[$s]=0
		reason[$s]=$(reason_of "$ftxt")
		[ "$line" = "  $(printf '%-8s' $s) does not work (criu: ${reason[$s]}); fix: $fix" ] ||
			fail "check's $s line: '$line', criu says: ${reason[$s]}"
		ok "edgemu check: criu $version does not work here for $s: ${reason[$s]} (and what to do)"
	done
fi
# In the stock-kernel VM, these must work (EDGEMU_CRIU_WORKS="cold ...").
for s in ${EDGEMU_CRIU_WORKS:-}; do
	[ "${works[$s]:-0}" = 1 ] || fail "criu should work for $s here: ${reason[$s]:-}"
done

# The exit status is the kernel's features' alone: the same without criu.
nocriu=$(EDGEMU_CRIU=/nonexistent/criu "$EDGEMU" check) && rc2=0 || rc2=$?
[ "$rc" = "$rc2" ] || fail "check exits $rc with criu and $rc2 without"
echo "$nocriu" | grep -qxF "criu is not installed (apt-get install criu): only the migration of app: process services needs it" ||
	fail "without criu: $nocriu"
ok "edgemu check exits $rc with or without criu; without it: 'criu is not installed'"

# --- a scenario that needs criu is refused before anything is built ---
run=$(rand_run)
RUNS+=("$run")
f=$TMP/proc.yaml
cat >"$f" <<EOF
name: $run
duration: 2s
nodes:
  ue1: {kind: ue}
  enb1: {kind: enb}
  edge1: {kind: edge}
  edge2: {kind: edge}
links:
  - {endpoints: [ue1, enb1]}
  - {endpoints: [enb1, edge1]}
  - {endpoints: [enb1, edge2]}
services:
  kv:
    vip: 10.200.0.1
    app: process
    command: "sleep 1000"
    at: edge1
migration: {policy: always}
EOF
for s in precopy cold postcopy; do
	[ "${works[$s]}" = 1 ] && continue
	err=$("$EDGEMU" run --quiet "$f" --name "$run" --set migration.strategy=$s 2>&1) && rc=0 || rc=$?
	[ "$rc" = 1 ] || fail "run with $s exited $rc (1 expected): $err"
	want="edgemu run: $f:15:10: service kv (app: process): $s migration needs CRIU, which does not work here: ${reason[$s]}"
	case "$err" in
	"$want"*) ;;
	*) fail "run with $s: '$err', expected '$want...'" ;;
	esac
	if [ "${works[$s]}" = 0 ] && [ -n "$CRIU" ]; then
		echo "$err" | grep -qF "; to make it work, $fix" ||
			fail "no fix in: $err"
	fi
	ip netns list | grep -q "^em-$run-" && fail "run with $s made namespaces"
	[ -e "/run/edgemu/$run" ] && fail "run with $s made /run/edgemu/$run"
done
ok "app: process with policy always refused for each strategy CRIU does not work for, nothing built: ${err:-none (CRIU works for all)}"

# Without criu, the refusal says to install it.
err=$(EDGEMU_CRIU=/nonexistent/criu "$EDGEMU" run --quiet "$f" --name "$run" 2>&1) && fail "ran without criu"
echo "$err" | grep -qF "service kv (app: process): precopy migration needs CRIU, which does not work here: criu is not installed (apt-get install criu)" ||
	fail "without criu: $err"
ok "without criu: $err"
assert_gone "$run"

# --- edgemu migrate of an app: process service on a network from up: refused alike ---
# up moves nothing by itself: it builds the network whatever CRIU can do (policy never).
command -v socat >/dev/null || fail "socat is missing (scripts/setup.sh installs it)"
up=$(rand_run)
RUNS+=("$up")
g=$TMP/up.yaml
sed -e "s/^name: .*/name: $up/" -e 's/command: .*/command: "socat UDP-LISTEN:7000,fork EXEC:cat"/' \
	-e 's/^migration: .*/migration: {policy: never}/' "$f" >"$g"
"$EDGEMU" up "$g" >/dev/null || fail "up of a process service with policy never failed"
for s in cold postcopy; do
	[ "${works[$s]}" = 1 ] && continue
	err=$("$EDGEMU" migrate "$up" kv ue1 --to edge2 --strategy $s 2>&1) && fail "migrate $s ran"
	want="edgemu migrate: $g:15:10: service kv (app: process): $s migration needs CRIU, which does not work here: ${reason[$s]}"
	case "$err" in
	"$want"*) ;;
	*) fail "migrate $s: '$err', expected '$want...'" ;;
	esac
	[ -e "/run/edgemu/$up/kv@edge2.log" ] && fail "migrate $s started an instance on edge2"
done
ok "edgemu migrate of app: process refused where CRIU does not work, nothing started: ${err:-none (CRIU works for all)}"
"$EDGEMU" down "$up" >/dev/null || fail "down $up"
assert_gone "$up"

