# SPDX-License-Identifier: MIT
# Shared helpers for integration tests: root only (exit 77 = skipped otherwise), random run
# names, and a cleanup that runs however the test ends.
set -euo pipefail

: "${EDGEMU:?EDGEMU must point at the edgemu binary}"
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: integration tests need root"
	exit 77
fi

TMP=$(mktemp -d /tmp/edgemu-test.XXXXXX)
RUNS=()
# Background processes a test starts (apps, probes): killed first, before the runs go down.
PIDS=()

# A run name nobody else uses: t + 6 random hex digits.
rand_run() { printf 't%06x' $((RANDOM * 32768 + RANDOM & 0xffffff)); }

cleanup() {
	local rc=$? p r
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
	done
	for r in "${RUNS[@]}"; do
		[ -d "/run/edgemu/$r" ] && "$EDGEMU" down "$r" >/dev/null 2>&1 || true
	done
	rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# need_apps APP...: EDGEMU_APPS is set and holds edgemu-APP for each APP.
need_apps() {
	local app
	: "${EDGEMU_APPS:?EDGEMU_APPS must name the folder of the apps}"
	for app in "$@"; do
		[ -x "$EDGEMU_APPS/edgemu-$app" ] || fail "$EDGEMU_APPS/edgemu-$app is missing"
	done
}

# Nothing of run $1 may be left: namespaces, /etc/netns entries, run folder, processes.
assert_gone() {
	local run=$1
	ip netns list | grep -q "^em-$run-" && fail "namespaces of $run left: $(ip netns list | grep "^em-$run-" | head -3)"
	ls -d /etc/netns/em-"$run"-* >/dev/null 2>&1 && fail "/etc/netns entries of $run left"
	[ -e "/run/edgemu/$run" ] && fail "/run/edgemu/$run left"
	return 0
}

# Root namespace links, to check a run adds none there.
root_links() { ip -o link show | awk -F': ' '{print $2}' | sort; }

# write_star FILE RUN N: a router hub with N-1 hosts.
write_star() {
	local f=$1 run=$2 n=$3 i
	{
		echo "name: $run"
		echo "nodes:"
		echo "  hub: { kind: router }"
		for ((i = 1; i < n; i++)); do echo "  h$i: { kind: host }"; done
		echo "links:"
		for ((i = 1; i < n; i++)); do echo "  - { endpoints: [hub, h$i], delay: 1ms }"; done
	} >"$f"
}

# ping_log RUN FROM TO COUNT INTERVAL OUT: like ping_run but keeps every reply in OUT as
# "seq rtt_ms"; prints "sent received".
ping_log() {
	local run=$1 from=$2 to=$3 count=$4 interval=$5 out=$6 raw
	raw=$("$EDGEMU" exec "$run" "$from" -- ping -n -c "$count" -i "$interval" -W 2 "$to" 2>&1 ||
		true)
	echo "$raw" | sed -n 's/.*icmp_seq=\([0-9]*\).*time=\([0-9.]*\) ms.*/\1 \2/p' >"$out"
	echo "$raw" | awk '/packets transmitted/ {print $1, $4}'
}

# median FILE: median of the second column.
median() { awk '{print $2}' "$1" | sort -g | awk '{v[NR]=$1} END {if (NR==0) {print "nan"; exit} if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

# within X LO HI: X in [LO, HI] (decimals).
within() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN {exit !(x >= lo && x <= hi)}'; }

# calc EXPR: evaluate an arithmetic expression with decimals.
calc() { awk "BEGIN {print $1}"; }

# wait_building RUN [PID]: until run RUN's builder has created some namespaces (20), so a
# signal or kill lands in the middle of the build. With PID (the builder), as long as it
# lives, however slow a busy machine makes it; without, up to a minute.
wait_building() {
	local i f
	for ((i = 0; i < 12000; i++)); do
		f=(/run/netns/em-"$1"-*)
		[ -e "${f[0]}" ] && [ "${#f[@]}" -ge 20 ] && return 0
		if [ -n "${2:-}" ]; then
			kill -0 "$2" 2>/dev/null || return 1
			i=0
		fi
		sleep 0.005
	done
	return 1
}

# wait_running RUN PID: until run RUN is built and its meta names PID as owner (or PID ends).
wait_running() {
	local i
	for ((i = 0; i < 12000; i++)); do
		grep -q '^state=up' "/run/edgemu/$1/meta" 2>/dev/null &&
			grep -q "^pid=$2\$" "/run/edgemu/$1/meta" && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.01
	done
	return 1
}

# run_bg N RUN SCENARIO DURATION: `edgemu run` of SCENARIO as RUN for DURATION in the
# background, its results in $TMP/resN, its output in $TMP/rN.out and rN.err; its pid in
# pid once the run is up.
run_bg() {
	"$EDGEMU" run "$3" --name "$2" -o "$TMP/res$1" --duration "$4" --quiet \
		>"$TMP/r$1.out" 2>"$TMP/r$1.err" &
	pid=$!
	wait_running "$2" "$pid" || fail "run $2 did not start: $(tail -3 "$TMP/r$1.err")"
}

# probe_answers CSV NS: answers in edgemu-probe's CSV (flushed every 100 ms) to requests
# sent after NS; 0 before the file exists.
probe_answers() {
	[ -e "$1" ] || { echo 0; return; }
	awk -F, -v t="$2" '$1 == "answer" && $3 > t {n++} END {print n + 0}' "$1"
}

# wait_answers CSV NS N PID LOG [WHAT]: until N answers to requests sent after NS are in the
# probe's CSV, for up to 60 s; fails, saying WHAT first and then LOG's text, if the probe
# (PID) ends or the answers do not come.
wait_answers() {
	local i
	for ((i = 0; i < 1200; i++)); do
		[ "$(probe_answers "$1" "$2")" -ge "$3" ] && return 0
		kill -0 "$4" 2>/dev/null || fail "${6:-}the probe ended: $(cat "$5")"
		sleep 0.05
	done
	fail "${6:-}fewer than $3 answers in 60 s: $(cat "$5")"
}

# wait_line FILE ERE PID: until a line of FILE matches ERE (0), or PID ends first (1). No
# bound in time: a busy machine may take long, and ctest's timeout ends a test that hangs.
wait_line() {
	while ! grep -Eq -- "$2" "$1" 2>/dev/null; do
		kill -0 "$3" 2>/dev/null || { grep -Eq -- "$2" "$1" 2>/dev/null; return; }
		sleep 0.05
	done
}
