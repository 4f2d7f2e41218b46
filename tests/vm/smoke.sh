#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs inside the stock-kernel VM (tests/vm/vm.sh, ctest vm_smoke): the kernel is Debian's,
# netem loads and delays as asked, and edgemu sees it.
set -euo pipefail
: "${EDGEMU:?EDGEMU must point at the edgemu binary}"

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

ns=vmsmoke$$
cleanup() {
	ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT

# The kernel: the one Debian's linux-image-amd64 depends on (the host's package database is
# visible read-only), else the one vm.sh says it booted.
want=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
	grep -o 'linux-image-[0-9][^ ,]*' | head -n1 || true)
want=${want#linux-image-}
[ -n "$want" ] || want=${EDGEMU_VM_KERNEL:?}
[ "$(uname -r)" = "$want" ] || fail "kernel is $(uname -r), expected the stock $want"
# (dpkg-query -S would read every package's file list: 2 s through 9p.)
pkg=linux-image-$want
grep -qx "/boot/vmlinuz-$want" "/var/lib/dpkg/info/$pkg.list" 2>/dev/null ||
	fail "/boot/vmlinuz-$want is not from Debian's package $pkg"
ok "kernel $(uname -r) from $pkg"

modprobe sch_netem || fail "modprobe sch_netem"
grep -q '^sch_netem ' /proc/modules || fail "sch_netem is not in /proc/modules after modprobe"
ok "modprobe sch_netem"

ip netns add "$ns"
ip -n "$ns" link set lo up
# ping_min: the least of 20 RTTs on the namespace's lo, in ms: the floor, which a busy host
# (TCG makes timers late while it is) does not raise as it raises the median.
ping_min() {
	local out
	out=$(ip netns exec "$ns" ping -n -c 20 -i 0.05 127.0.0.1) || fail "ping: $out"
	echo "$out" | grep -o 'time=[0-9.]*' | cut -d= -f2 | sort -g | head -n1
}
base=$(ping_min)
[ -n "$base" ] || fail "no RTT in ping's output"
tc -n "$ns" qdisc add dev lo root netem delay 10ms
# Each echo crosses lo twice, so it waits twice: RTT 20 ms more than without netem (its
# timer under TCG is late by up to half a millisecond each way), never less. More is
# measured again, up to 4 times in all: a busy host can hold up all 20.
for ((i = 1; ; i++)); do
	least=$(ping_min)
	awk -v m="$least" 'BEGIN { exit !(m >= 20) }' ||
		fail "least RTT $least ms through netem delay 10ms on lo: netem released early"
	awk -v m="$least" -v b="$base" 'BEGIN { exit !(m - b <= 21) }' && break
	[ "$i" -lt 4 ] ||
		fail "least RTT $least ms through netem delay 10ms on lo, $base ms without: expected 20-21 ms more, $i times"
	echo "note: least RTT $least ms, $base ms without: measuring again"
done
ok "least RTT $least ms with netem delay 10ms, $base ms without"
ip netns del "$ns"
ip netns list | grep -q "^$ns\b" && fail "namespace $ns left"

out=$("$EDGEMU" check) || fail "edgemu check failed: $out"
echo "$out"
echo "$out" | grep -Eq '^ +netem +present' || fail "edgemu check does not say netem is present"
ok "edgemu check: netem present"
