#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install the Debian packages edgemu needs to build, run and test. Idempotent: quiet and
# quick when nothing is missing. Debian 12 (bookworm), as root.
set -euo pipefail

pkgs=(
	build-essential cmake pkg-config     # toolchain
	libmnl-dev libyaml-dev               # rtnetlink, scenario files
	libbpf-dev clang llvm bpftool        # eBPF programs and skeletons
	libcmocka-dev                        # unit tests
	iproute2 iputils-ping util-linux     # ip netns for users; ping; setpriv in tests
	procps                               # pgrep/pkill in tests
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: these Debian packages are missing: ${missing[*]}" >&2
	echo "setup: run this script as root (sudo $0) to install them with apt-get" >&2
	exit 1
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
