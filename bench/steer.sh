#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/steer: eBPF steering and the route strategy side by side, in one run of this script.
# Prints a table; asserts nothing. Needs root and a build (scripts/build.sh).
#
#   sudo bench/steer.sh [FLIPS]        (default 100 flips per strategy)
#
# Per strategy: the flip call's duration (p50/p99), the time from the call to the first answer
# from the new instance with a 1 ms probe, probes lost per flip, probes answered by the old
# instance although sent after the call returned; and the RTT the steering programs add
# (plain veths, a probe to the VIP vs to the instance's own address).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
edgemu=${EDGEMU:-$top/build/cli/edgemu}
probe=${EDGEMU_APPS:-$top/build/apps}/edgemu-probe
flips=${1:-100}
[ "$(id -u)" -eq 0 ] || { echo "steer: needs root (it builds namespaces)" >&2; exit 1; }
[ -x "$edgemu" ] && [ -x "$probe" ] || { echo "steer: build first (scripts/build.sh)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/edgemu-bench-steer.XXXXXX)
runs=()
cleanup() {
	for r in "${runs[@]}"; do "$edgemu" down "$r" >/dev/null 2>&1 || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

scenario() { # STEERING DELAY
	local d=$2
	cat <<YAML
name: bsteer
nodes:
  ue1:   { kind: ue }
  enb1:  { kind: enb }
  core:  { kind: router }
  edge1: { kind: edge }
  edge2: { kind: edge }
links:
  - { endpoints: [ue1, enb1]$d }
  - { endpoints: [enb1, edge1]$d }
  - { endpoints: [enb1, core]$d }
  - { endpoints: [core, edge2]$d }
services:
  game: { vip: 10.200.0.1, app: echo, port: 7000, at: [edge1, edge2] }
migration: { steering: $1 }
YAML
}

pct() { sort -g | awk -v p="$1" '{v[NR] = $1} END {if (!NR) {print "nan"; exit} i = int(p * (NR - 1)) + 1; print v[i]}'; }

printf '%-6s %14s %14s %16s %16s %10s %14s\n' steering "flip p50 us" "flip p99 us" \
	"first new p50 ms" "first new p99 ms" "lost/flip" "misdelivered"
for steering in ebpf route; do
	run=bs$steering$$
	runs+=("$run")
	scenario "$steering" ", delay: 1ms" >"$tmp/s.yaml"
	"$edgemu" up "$tmp/s.yaml" --name "$run" >/dev/null 2>&1
	secs=$(awk -v n="$flips" 'BEGIN {print int(n * 0.05 + 2)}')
	"$edgemu" exec "$run" ue1 -- "$probe" 10.200.0.1 --port 7000 --interval 1ms \
		--duration "${secs}s" --csv "$tmp/$steering.csv" --quiet >/dev/null 2>&1 &
	pid=$!
	sleep 0.5
	: >"$tmp/$steering.flips"
	for ((i = 1; i <= flips; i++)); do
		to=$([ $((i % 2)) -eq 1 ] && echo edge2 || echo edge1)
		out=$("$edgemu" steer "$run" game ue1 "$to")
		us=$(echo "$out" | sed -n 's/.*(flip \([0-9.]*\) us.*/\1/p')
		done_ns=$(echo "$out" | sed -n 's/.*from [0-9]* to \([0-9]*\) ns.*/\1/p')
		begin_ns=$(echo "$out" | sed -n 's/.*from \([0-9]*\) to [0-9]* ns.*/\1/p')
		echo "$to $done_ns $us $begin_ns" >>"$tmp/$steering.flips"
		sleep 0.04
	done
	wait "$pid" || true
	awk '{print $3}' "$tmp/$steering.flips" >"$tmp/us"
	# per flip: first answer from the new instance after the call began; misdelivered: sent
	# after the call returned (and 5 ms before the next), answered by another instance
	awk -F, -v flips="$tmp/$steering.flips" '
		BEGIN { while ((getline l < flips) > 0) { split(l, f, " "); n++; to[n] = f[1]
			done[n] = f[2]; start[n] = f[4] } }
		$1 == "answer" {
			for (i = 1; i <= n; i++)
				if (!first[i] && $6 == to[i] && $4 + 0 > start[i] && (i == n || $4 + 0 < start[i + 1]))
					first[i] = $4 - start[i]
			k = 0
			for (i = 1; i <= n; i++) if ($3 + 0 > done[i] + 0) k = i
			if (k && (k == n || $3 + 5000000 < done[k + 1] + 0) && $6 != to[k]) mis++
		}
		$1 == "loss" { lost++ }
		END {
			for (i = 1; i <= n; i++) if (first[i]) print "first", first[i] / 1e6
			print "lost", lost + 0, "mis", mis + 0, "n", n
		}' "$tmp/$steering.csv" >"$tmp/res"
	grep '^first' "$tmp/res" | awk '{print $2}' >"$tmp/first"
	read -r _ lost _ mis _ n < <(grep '^lost' "$tmp/res")
	printf '%-6s %14.1f %14.1f %16.3f %16.3f %10.3f %14d\n' "$steering" \
		"$(pct 0.5 <"$tmp/us")" "$(pct 0.99 <"$tmp/us")" "$(pct 0.5 <"$tmp/first")" \
		"$(pct 0.99 <"$tmp/first")" "$(awk -v l="$lost" -v n="$n" 'BEGIN {print l / n}')" "$mis"
	"$edgemu" down "$run" >/dev/null
done

# RTT the programs add: plain veths (no shaping, so no relay), 1 ms probe for 3 s, to the
# VIP through the programs, and in the same network without services (no programs at all)
# to an echo on edge1 directly.
echo
rtt() { # RUN TARGET
	"$edgemu" exec "$1" ue1 -- "$probe" "$2" --port 7000 --interval 1ms --duration 3s \
		--csv "$tmp/rtt.csv" --quiet >/dev/null 2>&1 || true
	awk -F, '$1 == "answer" {print $5 / 1000}' "$tmp/rtt.csv" >"$tmp/rtt"
	printf '%.1f %.1f\n' "$(pct 0.5 <"$tmp/rtt")" "$(pct 0.99 <"$tmp/rtt")"
}
run=bsrtt$$
runs+=("$run")
scenario ebpf "" >"$tmp/s.yaml"
"$edgemu" up "$tmp/s.yaml" --name "$run" >/dev/null 2>&1
read -r v50 v99 < <(rtt "$run" 10.200.0.1)
"$edgemu" down "$run" >/dev/null
run=bsnone$$
runs+=("$run")
scenario ebpf "" | sed '/^services:/,$d' >"$tmp/s.yaml"
"$edgemu" up "$tmp/s.yaml" --name "$run" >/dev/null 2>&1
("$edgemu" exec "$run" edge1 -- "${probe%-probe}-echo" --id edge1 --port 7000 --quiet &)
sleep 0.3
read -r d50 d99 < <(rtt "$run" edge1)
"$edgemu" down "$run" >/dev/null
printf 'UDP RTT through the steering programs (to the VIP):  p50 %s us, p99 %s us\n' "$v50" "$v99"
printf 'UDP RTT without them (no services, to edge1 itself): p50 %s us, p99 %s us\n' "$d50" "$d99"
printf 'added by the programs: %.1f us at p50\n' "$(awk -v a="$v50" -v b="$d50" 'BEGIN {print a - b}')"
