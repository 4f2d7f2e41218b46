#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install the Debian packages edgemu needs to build, run and test. Idempotent: quiet and
# quick when nothing is missing. Debian 12 (bookworm), as root.
#
# --vm: also what the stock-kernel test VM needs (tests/vm/vm.sh): Debian's kernel, which
# has sch_netem, qemu, a static busybox for the VM's initramfs, and the tools that build it.
# --test: also what only the tests need: Chromium, which renders the report in the browser
# test, and libFuzzer for scripts/fuzz.sh (scripts/test.sh asks for them; a plain build or
# run never installs them).
set -euo pipefail

vm=0
test=0
for arg in "$@"; do
	case $arg in
	--vm) vm=1 ;;
	--test) test=1 ;;
	-h | --help) echo "usage: $0 [--vm] [--test]"; exit 0 ;;
	*) echo "setup: unexpected argument '$arg' (usage: $0 [--vm] [--test])" >&2; exit 2 ;;
	esac
done

pkgs=(
	build-essential cmake pkg-config     # toolchain
	libmnl-dev libyaml-dev               # rtnetlink, scenario files
	libjson-c-dev                        # results: summary.json written and read
	libbpf-dev clang llvm bpftool        # eBPF programs and skeletons
	libcmocka-dev                        # unit tests
	iproute2 iputils-ping util-linux     # ip netns for users; ping; setpriv in tests
	procps                               # pgrep/pkill in tests
	iperf3                               # TCP throughput in shaping tests
	socat                                # a plain UDP echo server: app: process in tests
	jq                                   # reading JSON summaries in tests
	librsvg2-bin                         # rsvg-convert: edgemu report --png
	libpcap-dev tcpdump                  # capture: (libpcap); tcpdump -r in tests
	criu                                 # app: process migrations (edgemu check says if it works)
	iptables                             # criu's network lock: --tcp-established (migration: tcp_established)
)
vm_pkgs=(
	linux-image-amd64                    # the stock kernel (sch_netem as a module)
	qemu-system-x86                      # boots it (TCG)
	busybox-static cpio                  # the VM's initramfs
	xz-utils zstd                        # compressed kernels and modules
)
test_pkgs=(
	chromium                             # headless, renders the report (test_report_browser.sh)
	clang libclang-rt-14-dev             # libFuzzer for scripts/fuzz.sh (-fsanitize=fuzzer)
	clang-format-14                      # the layout check (scripts/format.sh --check)
)
[ $vm = 1 ] && pkgs+=("${vm_pkgs[@]}")
[ $test = 1 ] && pkgs+=("${test_pkgs[@]}")

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
# INITRD=No: the kernel package's hook (/etc/kernel/postinst.d/initramfs-tools) then builds
# no initramfs for /boot (14 s and 31 MB that the VM does not use: it brings its own). The
# kernel is never booted here, so nothing touches a bootloader (none is installed).
export INITRD=No
apt=(apt-get -qq -o DPkg::Lock::Timeout=300)
"${apt[@]}" update
"${apt[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null
