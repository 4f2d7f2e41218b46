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

# A run name nobody else uses: t + 6 random hex digits.
rand_run() { printf 't%06x' $((RANDOM * 32768 + RANDOM & 0xffffff)); }

cleanup() {
	local rc=$?
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
