#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# app: process moved by CRIU (issue 16), in the stock-kernel VM where Debian's criu works: a
# plain program that knows nothing of edgemu (tests/vm/counter.py: a UDP echo server that
# counts what it echoed, holds 16 MiB and dirties 200 pages a second) is moved with `edgemu
# migrate` between two edges joined by a 5 ms, 100 Mbit/s backhaul, with each strategy CRIU
# works for here, each once, edge1 and edge2 in turn, while the command's own probe (--echo)
# asks it from ue1:
# - done (exit 0, ok), a downtime, the pages of its memory on the wire (cold, pre-copy),
#   pre-copy in more than one round; the answers go on throughout, lost only in the downtime;
# - its state survived: its counter ("count?" from ue1 through the VIP) went on from where it
#   was, by at least the probe's answers, never reset; its memory came back whole ("check?");
# - the instances file names the destination, a new pid, the init of a pid namespace of its
#   own; the source's pid is gone; no criu process and no stopped process is left.
# Failures, each: the command exits 1, rolled back, served at the source, the same source
# process answers again (not stopped), its counter going on, nothing left at the destination:
# (a) the page server killed while a cold dump runs; (b) the backhaul cut (100% loss) during a
# pre-copy's final dump; (c) the destination's criu restore killed before it resumes the
# program (held there by a criu action script: CRIU_CONFIG_FILE); (d) post-copy: the
# destination's lazy-pages killed after the resume (what the program did at the destination
# since the freeze is lost: the counter is the source's at the freeze, never below it);
# (e) edgemu migrate itself SIGKILLed during a cold dump: its guard thaws the source.
# For (a), (b) and (d) the engine stops itself (SIGSTOP) where EDGEMU_TEST_STOP says
# (criu-dump: the page server listens and the final dump has started; criu-lazy: post-copy
# resumed, pages still coming): the test waits for that, does the damage, SIGCONTs.
# `edgemu down` at the end leaves nothing. Skipped (77) where CRIU works for no strategy
# (`edgemu check`); a strategy it does not work for is skipped with its reason.
#
# A VM test: edgemu_add_vm_test(vm_criu_migrate test_criu_migrate.sh TIMEOUT 1500 MEM 2048)
# (criu's images of two 16 MiB programs live in /run, the VM's memory).
. "$(dirname "$0")/lib.sh"
need_apps probe
: "${EDGEMU_SRC:?EDGEMU_SRC must name the source tree (for tests/vm/counter.py)}"
command -v jq >/dev/null || { echo "SKIP: jq is missing (scripts/setup.sh)"; exit 77; }
PY=/usr/bin/python3
COUNTER=$EDGEMU_SRC/tests/vm/counter.py
[ -x "$PY" ] || { echo "SKIP: no $PY (Debian's python3, which criu's crit needs too)"; exit 77; }
MIB=16
PAGES=$((MIB * 256))

# --- where CRIU works: edgemu check's lines "  cold     works" ---
check=$("$EDGEMU" check 2>&1 || true)
works=()
for s in cold precopy postcopy; do
	line=$(echo "$check" | grep -E "^  $s +" || true)
	if [[ $line =~ ^\ \ $s\ +works$ ]]; then
		works+=("$s")
	else
		echo "skip $s: CRIU does not work for it here: ${line:-$(echo "$check" | grep -i criu | head -2)}"
	fi
done
[ ${#works[@]} -gt 0 ] || { echo "SKIP: CRIU works for no strategy here (edgemu check)"; exit 77; }
can() { [[ " ${works[*]} " == *" $1 "* ]]; }

run=$(rand_run)
RUNS+=("$run")
dir=/run/edgemu/$run
MPS=()
# A migrate left stopped or running by a failed check must not outlive the test.
reap() {
	local p
	for p in "${MPS[@]}"; do
		kill -CONT "$p" 2>/dev/null || true
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}
# Transparent huge pages only where a program asks (madvise), for the test's length: criu
# 3.17 restores a program's anonymous memory in huge pages where they are "always" (Debian's
# default), even a mapping madvise'd NOHUGEPAGE (measured: 14 of its 16 MiB after a restore),
# and the kernel tracks a huge page's writes for its whole 2 MiB: a program moved once would
# then send all its memory again in every pre-copy round (4196 pages of 4096+, against 577
# with madvise). What is tested is the engine's rounds, not that interplay.
thp=/sys/kernel/mm/transparent_hugepage/enabled
thp_was=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$thp" 2>/dev/null || true)
[ -z "$thp_was" ] || echo madvise >"$thp" 2>/dev/null || true
trap 'st=$?; set +e; reap; [ -z "$thp_was" ] || echo "$thp_was" >"$thp"; (exit $st); cleanup' EXIT

cat >"$TMP/s.yaml" <<YAML
name: criumig
nodes:
  ue1:   { kind: ue }
  enb1:  { kind: enb }
  edge1: { kind: edge }
  edge2: { kind: edge }
links:
  - { endpoints: [ue1, enb1], delay: 1ms }
  - { endpoints: [enb1, edge1], delay: 1ms }
  - { endpoints: ["edge1:bh", "edge2:bh"], delay: 5ms, rate: 100mbit }
services:
  game:
    app: process
    command: "$PY $COUNTER --port 7000 --mem $MIB --dirty 200"
    vip: 10.200.0.1
    port: 7000
    at: edge1
migration:
  precopy: { max_rounds: 6, stop_below: 64 }
YAML
# Python's modules read once before: the VM reads the host's files over 9p, slowly the first
# time (3 s for counter.py's imports, 8 s with the host busy), and edgemu gives a program 5 s
# to listen on its port.
"$PY" "$COUNTER" --help >/dev/null
"$EDGEMU" up "$TMP/s.yaml" --name "$run" >"$TMP/up.out" 2>&1 || fail "edgemu up: $(cat "$TMP/up.out")"

# ---- helpers ----
field() { jq -r "$1" "$TMP/m.json"; }
pid_on() { awk -v n="$1" '$1 == "game" && $2 == n {p = $3} END {print p}' "$dir/instances"; }
# A process's state letter (R, S, T, Z...), from /proc without a program: the waits below poll
# it, and a process start costs 20 ms in the VM.
state_of() {
	local l
	read -r l 2>/dev/null <"/proc/$1/stat" || return 0
	l=${l##*) }
	echo "${l%% *}"
}
# A process that runs: not gone, not a zombie, not stopped.
alive() {
	local st
	[ -n "$1" ] || return 1
	st=$(state_of "$1") || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
running() { alive "$1" && [ "$(state_of "$1")" != T ] && [ "$(state_of "$1")" != t ]; }
# The init of a pid namespace of its own (the host's is ours).
own_pidns() { [ "$(readlink "/proc/$1/ns/pid")" != "$(readlink /proc/self/ns/pid)" ]; }
# The processes in NODE's network namespace (pids); with WORD, only criu's whose command has
# WORD as a word of its own (page-server, restore, lazy-pages: criu's commands, not the
# options --page-server or --lazy-pages). Two programs in all, quick enough to catch a restore.
procs_in() {
	local ino f p comm args
	ino=$(stat -L -c %i "/run/netns/em-$run-$1") || return 0
	for f in $(find /proc/[0-9]*/ns/net -maxdepth 0 -lname "net:\[$ino\]" 2>/dev/null); do
		p=${f#/proc/}
		p=${p%%/*}
		if [ -n "${2:-}" ]; then
			read -r comm 2>/dev/null <"/proc/$p/comm" || continue
			[ "$comm" = criu ] || continue
			mapfile -d '' args 2>/dev/null <"/proc/$p/cmdline" || continue
			[[ " ${args[*]} " == *" $2 "* ]] || continue
		fi
		echo "$p"
	done
}
# Processes of the run (in one of its nodes) that are stopped.
stopped_in_run() {
	local n p
	for n in ue1 enb1 edge1 edge2; do
		for p in $(procs_in "$n"); do
			case $(state_of "$p") in T | t) echo "$p ($(cat "/proc/$p/comm" 2>/dev/null))" ;; esac
		done
	done
}
# ask QUESTION: the program's answer through the VIP from ue1 (5 tries, 2 s each).
ask() {
	"$EDGEMU" exec "$run" ue1 -- "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
for _ in range(5):
    s.sendto(sys.argv[1].encode(), ("10.200.0.1", 7000))
    try:
        print(s.recv(200).decode()); sys.exit(0)
    except socket.timeout:
        pass
sys.exit(1)' "$1"
}
count() {
	local a
	a=$(ask 'count?') || fail "${1:-}: no answer to count?"
	[[ $a =~ ^count\ ([0-9]+)$ ]] || fail "${1:-}: count? answered '$a'"
	echo "${BASH_REMATCH[1]}"
}
mem_whole() {
	local a
	a=$(ask 'check?') || fail "$1: no answer to check?"
	[ "$a" = "check ok $PAGES" ] || fail "$1: its memory did not come back whole: '$a'"
}
# wait_until WHAT SECS CMD...: until CMD succeeds, at most SECS.
wait_until() {
	local what=$1 n=$(($2 * 20)) i
	shift 2
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.05
	done
	fail "$what"
}
no_criu() { [ -z "$(pgrep -x criu || true)" ]; }
# After a migration: criu all gone, nothing of the run stopped.
nothing_left() {
	wait_until "$1: criu processes left: $(pgrep -a -x criu | head -5 || true)" 30 no_criu
	[ -z "$(stopped_in_run)" ] || fail "$1: stopped processes left: $(stopped_in_run)"
}
# The program answers a fresh client at the source: 100 echoes, all answered, and its counter
# goes on by at least those.
serves() {
	local what=$1 c0 c1
	c0=$(count "$what")
	"$EDGEMU" exec "$run" ue1 -- "$EDGEMU_APPS/edgemu-probe" 10.200.0.1 --port 7000 --echo \
		--interval 10ms --count 100 --json "$TMP/p.json" --quiet ||
		fail "$what: probe failed"
	[ "$(jq -r .answered "$TMP/p.json")" -ge 98 ] || fail "$what: $(jq -c . "$TMP/p.json")"
	c1=$(count "$what")
	[ "$c1" -ge $((c0 + $(jq -r .answered "$TMP/p.json"))) ] ||
		fail "$what: the counter went from $c0 to $c1 over $(jq -r .answered "$TMP/p.json") echoes"
}

src=$(pid_on edge1)
running "$src" || fail "no instance of game on edge1 after up: $(cat "$dir/instances")"
own_pidns "$src" || fail "the instance (pid $src) is not the init of a pid namespace of its own"
serves "up"
mem_whole "up"
ok "up: game (counter.py, $MIB MiB, 200 pages/s dirtied) on edge1, pid $src in a pid namespace of its own, answering"

# ---- each strategy, edge1 -> edge2 -> edge1 ----
at=edge1
migrate_ok() {
	local s=$1 to=$2 from=$at old new c0 c1 down gap lost iv answered bytes bound
	old=$(pid_on "$from")
	c0=$(count "$s to $to, before")
	"$EDGEMU" migrate "$run" game ue1 --to "$to" --strategy "$s" --probe-interval 5ms \
		--json >"$TMP/m.json" 2>"$TMP/m.err" ||
		fail "$s $from -> $to: exit $?: $(cat "$TMP/m.json" "$TMP/m.err")"
	[ "$(field .ok)" = true ] && [ "$(field .served_at)" = destination ] ||
		fail "$s $from -> $to: $(cat "$TMP/m.json")"
	down=$(field .downtime_ms)
	within "$down" 0.001 600000 || fail "$s $from -> $to: downtime $down ms"
	bytes=$(field .bytes)
	if [ "$s" != postcopy ]; then
		[ "$bytes" -ge $((MIB << 20)) ] ||
			fail "$s $from -> $to: $bytes bytes moved, fewer than the program's $MIB MiB"
	fi
	if [ "$s" = precopy ]; then
		# Rounds after the first send what the program wrote meanwhile (200 pages/s for a
		# round of a few seconds: a few MiB), not its whole memory again: each round's page
		# server has the round before as its parent.
		[ "$(field '.rounds | length')" -gt 1 ] ||
			fail "$s $from -> $to: $(field '.rounds | length') round(s): $(jq -c .rounds "$TMP/m.json")"
		[ "$(field '.rounds[1].bytes')" -lt "$(field '.rounds[0].bytes / 2 | floor')" ] ||
			fail "$s $from -> $to: round 2 sent all again: $(jq -c '[.rounds[] | .bytes]' "$TMP/m.json")"
	fi
	# The client's view: answers on both sides of the downtime (the probe runs 200 ms before the
	# command and 200 ms after its end: at 5 ms, at least 50 of those 80 answered), its longest silence about
	# the downtime (TCG's slow wakeups: 1.5 s more), the requests lost no more than fit in it
	# (and the one-second timeout of those sent just before the freeze). Post-copy's program
	# resumes at once but then waits on every page it touches first, across the backhaul (in
	# the VM: 0.6 s of downtime, then 3 s without an answer and 6 s worth of requests lost or
	# later than 1 s): there the bound is the whole migration, until its last page came.
	answered=$(field .probe.answered)
	lost=$(field .probe.lost)
	gap=$(field .probe.gap_ms)
	iv=$(field .probe.interval_ms)
	[ "$answered" -ge 50 ] || fail "$s $from -> $to: the probe got $answered answers"
	bound=$down
	[ "$s" != postcopy ] || bound=$(field .total_ms)
	within "$gap" 0 "$(calc "$bound + 1500")" ||
		fail "$s $from -> $to: the client's longest silence $gap ms, the downtime $down ms (total $(field .total_ms) ms)"
	within "$(calc "$lost * $iv")" 0 "$(calc "$bound + 1000 + 2 * $iv")" ||
		fail "$s $from -> $to: $lost requests lost (every $iv ms) in a downtime of $down ms (total $(field .total_ms) ms)"
	# Its state: the counter went on by at least what the probe had echoed, never reset.
	c1=$(count "$s to $to, after")
	[ "$c1" -ge $((c0 + answered)) ] ||
		fail "$s $from -> $to: counter $c0 before, $c1 after $answered answers: state lost"
	mem_whole "$s $from -> $to"
	new=$(pid_on "$to")
	running "$new" || fail "$s $from -> $to: no running instance on $to: $(cat "$dir/instances")"
	[ "$new" != "$old" ] || fail "$s $from -> $to: the same pid $new"
	own_pidns "$new" || fail "$s $from -> $to: the restored $new is not in a pid namespace of its own"
	[ -z "$(pid_on "$from")" ] || fail "$s $from -> $to: $from still in the instances file"
	alive "$old" && fail "$s $from -> $to: the source (pid $old) still exists ($(state_of "$old"))"
	[ -z "$(procs_in "$from")" ] || fail "$s $from -> $to: processes left in $from: $(procs_in "$from")"
	nothing_left "$s $from -> $to"
	ok "$s $from -> $to: downtime $down ms (client: $gap ms, $lost of $(field .probe.sent) lost), $bytes bytes, rounds $(jq -c '[.rounds[] | .bytes]' "$TMP/m.json"), total $(field .total_ms) ms; counter $c0 -> $c1; pid $old -> $new"
	at=$to
}
# Each strategy once, there and back in turn (the VM is slow: a migration takes 5-25 s), the
# program back at edge1 at the end for the failures below.
for s in "${works[@]}"; do
	migrate_ok "$s" "$([ "$at" = edge1 ] && echo edge2 || echo edge1)"
done
[ "$at" = edge1 ] || migrate_ok "${works[0]}" edge1

# ---- failures: the program goes on at the source ----
# migrate_stopped WHERE STRATEGY [OPTIONS]: edgemu migrate to edge2 in the background, until
# it has stopped itself at WHERE (state T); its pid in mp. The criu it started just before
# may not have exec'd yet: wait_criu waits for it.
migrate_stopped() {
	local where=$1 s=$2 i
	shift 2
	EDGEMU_TEST_STOP=$where "$EDGEMU" migrate "$run" game ue1 --to edge2 --strategy "$s" \
		--probe-interval 5ms --json "$@" >"$TMP/m.json" 2>"$TMP/m.err" &
	mp=$!
	MPS+=("$mp")
	for ((i = 0; i < 6000; i++)); do
		case $(state_of "$mp") in
		T | t) return 0 ;;
		'' | Z) fail "$s: migrate ended before it stopped at $where: $(cat "$TMP/m.json" "$TMP/m.err")" ;;
		esac
		sleep 0.01
	done
	fail "$s: migrate did not stop at $where in 60 s: $(cat "$TMP/m.err")"
}
# wait_criu NODE WORD: the pids of criu WORD in NODE, once there is one (10 s at most: the
# engine stopped right after it forked it); empty if none came.
wait_criu() {
	local i pids
	for ((i = 0; i < 1000; i++)); do
		pids=$(procs_in "$1" "$2")
		[ -z "$pids" ] || break
		sleep 0.01
	done
	echo "$pids"
}
# wait_mp: until edgemu migrate ($mp, SIGCONT'd) ends; its status in rc.
wait_mp() {
	rc=0
	wait "$mp" || rc=$?
}
# rolled_back WHAT SRC C0 PATTERN: that migrate (status rc) failed and rolled back, its error
# matching PATTERN (an ERE); SRC serves again, its counter at least C0; nothing at edge2.
rolled_back() {
	local what=$1 src=$2 c0=$3 pat=$4 c1
	[ "$rc" = 1 ] || fail "$what: exit $rc, not 1: $(cat "$TMP/m.json" "$TMP/m.err")"
	[ "$(field .ok)" = false ] && [ "$(field .rolled_back)" = true ] &&
		[ "$(field .served_at)" = source ] || fail "$what: $(cat "$TMP/m.json")"
	field .error | grep -qE -- "$pat" || fail "$what: the error does not say '$pat': $(field .error)"
	[ "$(pid_on edge1)" = "$src" ] || fail "$what: edge1's instance is $(pid_on edge1), not $src"
	running "$src" || fail "$what: the source (pid $src) does not run: state $(state_of "$src")"
	[ -z "$(pid_on edge2)" ] || fail "$what: an instance is left on edge2"
	wait_until "$what: processes left in edge2: $(procs_in edge2)" 30 eval '[ -z "$(procs_in edge2)" ]'
	nothing_left "$what"
	c1=$(count "$what")
	[ "$c1" -ge "$c0" ] || fail "$what: counter $c0 before, $c1 after: state lost"
	mem_whole "$what"
	serves "$what"
	ok "$what: rolled back ('$(field .error)'), pid $src serves at edge1, counter $c0 -> $c1"
}
[ "$at" = edge1 ] || fail "the service should be back at edge1, not $at"

# (a) the page server killed while a cold dump runs (the source frozen by it).
if can cold; then
	src=$(pid_on edge1)
	c0=$(count "page server killed")
	migrate_stopped criu-dump cold
	ps_pids=$(wait_criu edge2 page-server)
	[ -n "$ps_pids" ] || fail "page server killed: no criu page-server in edge2 at criu-dump"
	kill -KILL $ps_pids
	kill -CONT "$mp"
	wait_mp
	rolled_back "(a) cold, page server killed during the dump" "$src" "$c0" "dump|page server"
fi

# (b) the backhaul cut during a pre-copy, while its final dump sends (the source frozen).
if can precopy; then
	src=$(pid_on edge1)
	c0=$(count "backhaul cut")
	migrate_stopped criu-dump precopy --timeout 3s
	"$EDGEMU" shape "$run" edge1:bh --dir both --loss 100% >/dev/null
	kill -CONT "$mp"
	wait_mp
	"$EDGEMU" shape "$run" edge1:bh --dir both --loss 0 >/dev/null
	rolled_back "(b) pre-copy, backhaul cut during the final dump" "$src" "$c0" "."
fi

# (c) the destination's criu restore killed in the middle: its tasks made, not yet resumed.
# Not at the engine's criu-restore stop: the restore of 16 MiB from local files is done
# before a test can see it (measured: a zombie by then). A criu action script holds it at
# "pre-resume" instead (CRIU_CONFIG_FILE, for this command's criu only).
cat >"$TMP/hold.sh" <<EOF
#!/bin/sh
[ "\$CRTOOLS_SCRIPT_ACTION" = pre-resume ] || exit 0
touch "$TMP/held"
i=0
while [ ! -e "$TMP/release" ] && [ \$i -lt 600 ]; do sleep 0.1; i=\$((i + 1)); done
EOF
chmod +x "$TMP/hold.sh"
echo "action-script $TMP/hold.sh" >"$TMP/criu.conf"
for s in cold precopy; do
	can "$s" || continue
	src=$(pid_on edge1)
	c0=$(count "restore killed")
	rm -f "$TMP/held" "$TMP/release"
	CRIU_CONFIG_FILE=$TMP/criu.conf "$EDGEMU" migrate "$run" game ue1 --to edge2 \
		--strategy "$s" --probe-interval 5ms --json >"$TMP/m.json" 2>"$TMP/m.err" &
	mp=$!
	MPS+=("$mp")
	wait_until "restore killed: criu restore never reached pre-resume: $(cat "$TMP/m.err")" 120 \
		test -e "$TMP/held"
	rs_pids=$(procs_in edge2 restore)
	[ -n "$rs_pids" ] || fail "restore killed: no criu restore in edge2 at pre-resume"
	kill -KILL $rs_pids
	touch "$TMP/release"
	wait_mp
	rolled_back "(c) $s, the destination's criu restore killed before the resume" "$src" "$c0" "restore"
	break
done

# (d) post-copy: lazy-pages killed after the resume, pages still to come.
if can postcopy; then
	src=$(pid_on edge1)
	c0=$(count "lazy-pages killed")
	migrate_stopped criu-lazy postcopy
	lp_pids=$(wait_criu edge2 lazy-pages)
	[ -n "$lp_pids" ] || fail "lazy-pages killed: no criu lazy-pages in edge2 at criu-lazy"
	kill -KILL $lp_pids
	kill -CONT "$mp"
	wait_mp
	rolled_back "(d) post-copy, lazy-pages killed after the resume" "$src" "$c0" "lazy-pages"
	field .error | grep -q "had resumed" ||
		fail "(d): the error does not say what was lost: $(field .error)"
fi

# (e) edgemu migrate itself killed (SIGKILL) while a cold dump runs, the source frozen: its
# guard settles the migration (the page server killed, the dump let fail, the source thawed).
if can cold; then
	src=$(pid_on edge1)
	c0=$(count "edgemu killed")
	migrate_stopped criu-dump cold
	kill -KILL "$mp"
	wait_mp
	wait_until "edgemu killed: the source (pid $src) does not run again: state $(state_of "$src")" 30 \
		running "$src"
	wait_until "edgemu killed: criu left: $(pgrep -a -x criu | head -3 || true)" 30 no_criu
	[ "$(pid_on edge1)" = "$src" ] || fail "edgemu killed: edge1's instance is $(pid_on edge1), not $src"
	[ -z "$(pid_on edge2)" ] || fail "edgemu killed: an instance is on edge2"
	wait_until "edgemu killed: processes left in edge2: $(procs_in edge2)" 30 eval '[ -z "$(procs_in edge2)" ]'
	c1=$(count "edgemu killed")
	[ "$c1" -ge "$c0" ] || fail "edgemu killed: counter $c0 before, $c1 after: state lost"
	mem_whole "edgemu killed"
	serves "edgemu killed"
	ok "(e) cold, edgemu migrate killed during the dump: pid $src serves at edge1 again, counter $c0 -> $c1"
fi

# ---- down: nothing left ----
"$EDGEMU" down "$run" >"$TMP/down.out" 2>&1 || fail "edgemu down failed: $(cat "$TMP/down.out")"
[ ! -e "$dir" ] || fail "down left $dir: $(cat "$TMP/down.out"; find "$dir" | head -20; grep -F "$dir" /proc/mounts)"
assert_gone "$run"
wait_until "criu processes left after down: $(pgrep -a -x criu | head -5 || true)" 10 no_criu
[ -z "$(pgrep -f "$COUNTER" || true)" ] || fail "counter.py left after down: $(pgrep -af "$COUNTER")"
[ -z "$(ps -eo stat=,pid=,comm= | awk '$1 ~ /^[Tt]/')" ] ||
	fail "stopped processes left: $(ps -eo stat=,pid=,comm= | awk '$1 ~ /^[Tt]/')"
ok "down: no namespace, no criu, no program, no stopped process left"
