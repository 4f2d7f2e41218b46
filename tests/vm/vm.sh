#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run a command as root inside a throwaway VM that boots Debian's stock kernel (which has
# sch_netem as a module), with the host's root file system shared read-only: the source and
# build trees are at the same paths inside. The command's stdout and stderr stream to ours;
# we exit with its status. See tests/vm/README.md.
#
# usage: tests/vm/vm.sh [--timeout SECS] [--mem MB] [--env NAME[=VALUE]]... [--verbose]
#                       -- CMD [ARGS...]
#
# Exit status: CMD's; 77 when the VM cannot be started here (packages missing and not root,
# no stock kernel); 124 when the timeout (boot included) ran out; 125 when the VM failed
# (boot, crash) before CMD finished. Messages say which.
#
# Environment: EDGEMU and every EDGEMU_* variable are passed to CMD, as are the --env ones.
# EDGEMU_VM_KERNEL picks a kernel version (default: the one linux-image-amd64 depends on);
# EDGEMU_VM_CACHE is where the initramfs and the unpacked kernel are kept (default
# $XDG_CACHE_HOME/edgemu-vm, else ~/.cache/edgemu-vm); files unused for 7 days are removed.
set -euo pipefail

readonly E_SKIP=77 E_TIMEOUT=124 E_VM=125
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
me="vm.sh"

usage() {
	sed -n '/^# usage:/,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" | sed '/^$/q'
	exit "${1:-2}"
}
say() { echo "$me: $*" >&2; }
skip() {
	say "SKIP: $*"
	exit $E_SKIP
}

timeout_s=600
mem=1024
verbose=0
envs=()
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) timeout_s=${2:?--timeout needs seconds}; shift 2 ;;
	--timeout=*) timeout_s=${1#*=}; shift ;;
	--mem) mem=${2:?--mem needs megabytes}; shift 2 ;;
	--mem=*) mem=${1#*=}; shift ;;
	--env | -e) envs+=("${2:?--env needs NAME[=VALUE]}"); shift 2 ;;
	--env=*) envs+=("${1#*=}"); shift ;;
	--verbose | -v) verbose=1; shift ;;
	-h | --help) usage 0 ;;
	--) shift; break ;;
	*) say "unexpected argument '$1' (the command comes after --)"; usage 2 ;;
	esac
done
[ $# -gt 0 ] || { say "no command given"; usage 2; }
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || { say "--timeout wants whole seconds, not '$timeout_s'"; exit 2; }
[[ $mem =~ ^[1-9][0-9]*$ ]] || { say "--mem wants megabytes, not '$mem'"; exit 2; }

# ---- what we need on the host ----------------------------------------------------------

# The stock kernel: the version Debian's linux-image-amd64 depends on, else the newest
# /boot/vmlinuz-* that has its modules.
kernel_version() {
	local v f
	if [ -n "${EDGEMU_VM_KERNEL:-}" ]; then
		echo "$EDGEMU_VM_KERNEL"
		return
	fi
	v=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
		grep -o 'linux-image-[0-9][^ ,]*' | head -n1 || true)
	v=${v#linux-image-}
	if [ -n "$v" ] && [ -e "/boot/vmlinuz-$v" ]; then
		echo "$v"
		return
	fi
	for f in /boot/vmlinuz-*; do [ -e "$f" ] && echo "${f#/boot/vmlinuz-}"; done | sort -rV |
		while read -r v; do
			[ -e "/lib/modules/$v/modules.dep" ] && { echo "$v"; break; }
		done
}

# Is $1 a static ELF64 executable (no PT_INTERP program header)?
is_static() {
	local off size n i
	[ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ] || return 1
	off=$(od -An -t u8 -j 32 -N 8 "$1")
	size=$(od -An -t u2 -j 54 -N 2 "$1")
	n=$(od -An -t u2 -j 56 -N 2 "$1")
	for ((i = 0; i < n; i++)); do
		[ "$(od -An -t u4 -j $((off + i * size)) -N 4 "$1")" -ne 3 ] || return 1
	done
}

# busybox runs as the VM's init, where there is no dynamic loader: it must be static.
busybox_bin() {
	local b
	for b in "${EDGEMU_VM_BUSYBOX:-}" /bin/busybox /usr/bin/busybox; do
		if [ -n "$b" ] && [ -x "$b" ] && is_static "$b"; then
			echo "$b"
			return
		fi
	done
}

missing() {
	local m=()
	command -v qemu-system-x86_64 >/dev/null || m+=(qemu-system-x86)
	[ -n "$(busybox_bin)" ] || m+=(busybox-static)
	command -v cpio >/dev/null || m+=(cpio)
	[ -n "$(kernel_version)" ] || m+=(linux-image-amd64)
	echo "${m[*]}"
}

need=$(missing)
if [ -n "$need" ]; then
	if [ "$(id -u)" -eq 0 ] && [ -x "$top/scripts/setup.sh" ]; then
		say "missing: $need; installing them (scripts/setup.sh --vm)"
		"$top/scripts/setup.sh" --vm >&2 || skip "scripts/setup.sh --vm failed"
		need=$(missing)
	fi
	[ -z "$need" ] || skip "the test VM needs: $need (install them with: sudo scripts/setup.sh --vm)"
fi
kver=$(kernel_version)
kernel=/boot/vmlinuz-$kver
moddir=/lib/modules/$kver
busybox=$(busybox_bin)
[ -e "$kernel" ] || skip "no kernel $kernel"
[ -r "$kernel" ] || skip "cannot read $kernel (run as root, or make it readable)"
[ -r "$moddir/modules.dep" ] || skip "no $moddir/modules.dep for kernel $kver"

# ---- the initramfs: busybox, the 9p/virtio modules, our init ---------------------------

# PID 1 in the VM. It mounts the host root (9p, read-only) on /newroot with fresh proc, sys,
# dev and tmpfs where tests write, moves it onto / in a mount namespace to run the command, writes the command's
# status to the job folder (a second, writable 9p share) and powers off.
read -r -d '' init_sh <<'EOF' || true
#!/bin/sh
export PATH=/bin
R=/newroot
say() { echo "edgemu-vm: $*" >/dev/console; }
halt() { sync; poweroff -f; reboot -f; }
die() { say "FAILED: $*"; halt; }

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev

# Load modules in a loop until all are in: the list is in dependency order, but a retry
# covers a module whose dependency came later.
left=$(cat /modules)
round=0
while [ -n "$left" ] && [ $round -lt 20 ]; do
	next=
	for m in $left; do
		insmod "/lib/modules/$m.ko" 2>/dev/null || next="$next $m"
	done
	left=$next
	round=$((round + 1))
done
[ -z "$left" ] || say "modules not loaded:$left"

m9p() { # TAG DIR OPTIONS: mount a 9p share, waiting for its device a little
	i=0
	until mount -t 9p -o "trans=virtio,version=9p2000.L,msize=262144,$3" "$1" "$2" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || return 1
		usleep 50000
	done
}
m9p hostroot $R ro,cache=loose || die "cannot mount the host root (9p hostroot)"
m9p job /job rw || die "cannot mount the job folder (9p job)"

mount -t proc proc $R/proc
mount -t sysfs sys $R/sys
mount -t devtmpfs dev $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts $R/dev/pts
mount -t tmpfs -o mode=1777 shm $R/dev/shm
# What udev would add: bash's process substitution needs /dev/fd.
ln -sf /proc/self/fd $R/dev/fd
ln -sf /proc/self/fd/0 $R/dev/stdin
ln -sf /proc/self/fd/1 $R/dev/stdout
ln -sf /proc/self/fd/2 $R/dev/stderr
mount -t tmpfs -o mode=0755 run $R/run || die "cannot mount /run"
[ -d $R/sys/fs/bpf ] && mount -t bpf bpf $R/sys/fs/bpf
[ -d $R/sys/fs/cgroup ] && mount -t cgroup2 cgroup2 $R/sys/fs/cgroup
# /etc, /tmp, /var/tmp: a writable layer over the host's (so a build tree under /tmp is
# there too); what the guest writes vanishes with it. Without overlayfs, /tmp and /var/tmp
# are empty and /etc read-only. /etc/netns starts empty: none of the host's entries.
mount -t tmpfs rw /rw
ovl() { # DIR
	mkdir -p /rw/$1.up /rw/$1.work
	chmod "$(stat -c %a $R/$1)" /rw/$1.up # the upper folder gives the mode: 1777 for /tmp
	mount -t overlay -o lowerdir=$R/$1,upperdir=/rw/$1.up,workdir=/rw/$1.work $1 $R/$1
}
ovl etc || say "no overlay on /etc: it stays read-only"
ovl tmp || mount -t tmpfs -o mode=1777 tmp $R/tmp || die "cannot mount /tmp"
[ -d $R/var/tmp ] && { ovl var/tmp || mount -t tmpfs -o mode=1777 vartmp $R/var/tmp; }
mkdir -p $R/etc/netns 2>/dev/null
[ -d $R/etc/netns ] && mount -t tmpfs -o mode=0755 netns $R/etc/netns
mkdir $R/run/edgemu-vm
mount --bind /job $R/run/edgemu-vm

# The kernel's own module requests (a qdisc, a classifier) go through the host's modprobe.
echo /bin/modprobe-host >/proc/sys/kernel/modprobe
ip link set lo up
hostname edgemu-vm

stty -F /dev/ttyS1 raw -echo
stty -F /dev/ttyS2 raw -echo
say "running the command"
# In a mount namespace of its own, the host root moved onto / (as switch_root does) rather
# than a chroot into a folder of it: entering a mount namespace (setns, as criu and nsenter
# do) puts a process at that namespace's root, which must then be this root, not the
# initramfs under it.
setsid unshare -m sh -c "mount --make-rprivate / && cd $R && mount --move . / && exec chroot . /bin/sh /run/edgemu-vm/cmd" </dev/null >/dev/ttyS1 2>/dev/ttyS2
echo $? >/job/status
halt
EOF

read -r -d '' modprobe_sh <<'EOF' || true
#!/bin/sh
exec /bin/chroot /newroot /sbin/modprobe "$@"
EOF

# modules.dep lists each module with all it needs; print the modules to insert, needs first.
# Built-in ones are not listed there and need nothing.
module_paths() {
	awk -v want="9p 9pnet_virtio virtio_pci overlay" '
		function name(p) { sub(/.*\//, "", p); sub(/\.ko(\.[a-z]+)?$/, "", p); gsub(/-/, "_", p); return p }
		BEGIN { n = split(want, w, " ") }
		{ sub(/:$/, "", $1); path[name($1)] = $0 }
		END {
			for (i = 1; i <= n; i++) {
				if (!(w[i] in path)) continue
				k = split(path[w[i]], f, " ")
				sub(/:$/, "", f[1])
				for (j = k; j >= 2; j--) if (!(f[j] in seen)) { seen[f[j]] = 1; print f[j] }
				if (!(f[1] in seen)) { seen[f[1]] = 1; print f[1] }
			}
		}' "$moddir/modules.dep"
}

build_initrd() { # OUT
	local out=$1 stage=$tmp/initrd m base a
	mkdir -p "$stage"/{bin,dev,proc,sys,newroot,job,rw,lib/modules}
	cp "$busybox" "$stage/bin/busybox"
	for a in $("$busybox" --list); do
		[ "$a" = busybox ] || ln -s busybox "$stage/bin/$a"
	done
	printf '%s\n' "$init_sh" >"$stage/init"
	printf '%s\n' "$modprobe_sh" >"$stage/bin/modprobe-host"
	chmod 755 "$stage/init" "$stage/bin/modprobe-host"
	: >"$stage/modules"
	for m in "${mods[@]}"; do
		base=${m##*/}
		base=${base%%.ko*}
		case $m in
		*.ko) cp "$moddir/$m" "$stage/lib/modules/$base.ko" ;;
		*.ko.xz) xz -dc "$moddir/$m" >"$stage/lib/modules/$base.ko" ;;
		*.ko.zst) zstd -qdc "$moddir/$m" >"$stage/lib/modules/$base.ko" ;;
		*.ko.gz) gzip -dc "$moddir/$m" >"$stage/lib/modules/$base.ko" ;;
		*) say "unknown module format: $m"; return 1 ;;
		esac
		echo "$base" >>"$stage/modules"
	done
	# /dev/console must be in the archive for init to get its stdio; cpio can only copy a
	# device node that exists, so write that one entry of the newc format by hand.
	{
		(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet)
		newc_entry dev/console $((8#20600)) 5 1
		newc_entry TRAILER!!! 0 0 0
	} >"$out.tmp.$$"
	mv -f "$out.tmp.$$" "$out"
}

# Is $1 an ELF64 file that is all there (its section headers, written last, included)?
elf_whole() {
	local off size n
	[ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ] || return 1
	off=$(od -An -t u8 -j 40 -N 8 "$1")
	size=$(od -An -t u2 -j 58 -N 2 "$1")
	n=$(od -An -t u2 -j 60 -N 2 "$1")
	[ "$(stat -c %s "$1")" -ge $((off + size * n)) ]
}

# Find the compressed payload of a bzImage by its magic and unpack it; keep it if it is ELF.
extract_vmlinux() { # BZIMAGE OUT
	local magic tool off
	for magic in '\xfd7zXZ\x00:xz -dc' '\x28\xb5\x2f\xfd:zstd -qdc' '\x1f\x8b\x08:gzip -dc'; do
		tool=${magic#*:}
		command -v "${tool%% *}" >/dev/null || continue
		for off in $(LC_ALL=C grep -obUaP "${magic%%:*}" "$1" 2>/dev/null | cut -d: -f1 | head -n 3); do
			tail -c +$((off + 1)) "$1" | $tool >"$2.tmp.$$" 2>/dev/null || true
			if elf_whole "$2.tmp.$$"; then
				mv -f "$2.tmp.$$" "$2"
				return 0
			fi
		done
	done
	rm -f "$2.tmp.$$"
	return 1
}

newc_entry() { # NAME MODE RDEVMAJOR RDEVMINOR: one header without data, padded to 4 bytes
	local name=$1 hdr pad
	hdr=$(printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		0 "$2" 0 0 1 0 0 0 0 "$3" "$4" $((${#name} + 1)) 0)
	printf '%s%s\0' "$hdr" "$name"
	pad=$(((4 - (110 + ${#name} + 1) % 4) % 4))
	head -c "$pad" /dev/zero
}

# ---- run -------------------------------------------------------------------------------

# Our temporary folder holds our pid: remove those of runs that were killed with SIGKILL.
for d in "${TMPDIR:-/tmp}"/edgemu-vm.*; do
	[ -O "$d/pid" ] && ! kill -0 "$(cat "$d/pid" 2>/dev/null)" 2>/dev/null && rm -rf "$d"
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/edgemu-vm.XXXXXX")
echo $$ >"$tmp/pid"
qpid=
tails=()
# shellcheck disable=SC2317 # called by the trap
cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP
	if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
		# timeout(1) passes the signal on to qemu and kills it 5 s later if it lingers.
		kill -TERM "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
	fi
	for p in "${tails[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM
trap 'exit 129' HUP

mapfile -t mods < <(module_paths)
for m in 9p 9pnet_virtio virtio_pci; do
	printf '%s\n' "${mods[@]}" | grep -q "/$m\.ko" ||
		grep -q "/$m\.ko" "$moddir/modules.builtin" ||
		skip "kernel $kver has no module $m (9p over virtio is needed)"
done
for m in "${mods[@]}"; do
	case $m in
	*.xz) command -v xz >/dev/null || skip "modules of $kver are xz-compressed: install xz-utils" ;;
	*.zst) command -v zstd >/dev/null || skip "modules of $kver are zstd-compressed: install zstd" ;;
	esac
done

# The cached initramfs is keyed by kernel version and by everything that goes into it.
cache=${EDGEMU_VM_CACHE:-${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/edgemu-vm}
mkdir -p "$cache" 2>/dev/null || cache=$tmp
key=$({
	printf '%s\n' "$init_sh" "$modprobe_sh"
	stat -L -c '%n %s %Y' "$busybox" "${mods[@]/#/$moddir/}"
} | sha256sum | cut -c1-12)
initrd=$cache/initrd-$kver-$key.cpio
if [ ! -s "$initrd" ]; then
	[ $verbose = 1 ] && say "building $initrd"
	build_initrd "$initrd"
fi

# bzImage decompresses itself, which under TCG takes about 2 s of every boot. A kernel with
# CONFIG_PVH boots from its uncompressed ELF image instead: unpack it once into the cache.
boot=$kernel
if grep -qx 'CONFIG_PVH=y' "/boot/config-$kver" 2>/dev/null; then
	vmlinux=$cache/vmlinux-$kver-$(stat -L -c '%s-%Y' "$kernel")
	[ -s "$vmlinux" ] || extract_vmlinux "$kernel" "$vmlinux" || true
	[ -s "$vmlinux" ] && boot=$vmlinux
fi
# Mark what this run uses, and drop what no run has used for a week (older kernels, older
# versions of this script).
touch "$initrd" "$boot" 2>/dev/null || true
find "$cache" -maxdepth 1 -type f \( -name 'initrd-*' -o -name 'vmlinux-*' \) -mtime +7 \
	-delete 2>/dev/null || true

# The command: as sh sees it, with every argument quoted, in the caller's folder.
shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }
mkdir "$tmp/job"
{
	echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root'
	for n in $(compgen -e); do
		case $n in
		EDGEMU | EDGEMU_* | LANG | LC_*) echo "export $n=$(shq "${!n}")" ;;
		esac
	done
	echo "export EDGEMU_VM_KERNEL=$(shq "$kver")"
	for e in "${envs[@]}"; do
		n=${e%%=*}
		[[ $n =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { say "bad --env name '$n'"; exit 2; }
		if [ "$n" = "$e" ]; then
			echo "export $n=$(shq "${!n-}")"
		else
			echo "export $n=$(shq "${e#*=}")"
		fi
	done
	echo "cd $(shq "$PWD") 2>/dev/null ||"
	echo "	{ echo vm.sh: $(shq "$PWD") 'is not in the VM: running in /' >&2; cd /; }"
	printf 'exec'
	for a in "$@"; do printf ' %s' "$(shq "$a")"; done
	echo
} >"$tmp/job/cmd"

: >"$tmp/console" && : >"$tmp/out" && : >"$tmp/err"
quiet=quiet # --verbose shows the whole kernel log
[ $verbose = 1 ] && quiet=
# shellcheck disable=SC2054 # the commas are qemu's
qemu=(qemu-system-x86_64 -accel tcg -M pc -smp 2 -m "$mem"
	-nodefaults -no-user-config -display none -no-reboot -nic none
	-kernel "$boot" -initrd "$initrd" -append "console=ttyS0 panic=-1 $quiet"
	-chardev "file,id=con,path=$tmp/console" -serial chardev:con
	-chardev "file,id=out,path=$tmp/out" -serial chardev:out
	-chardev "file,id=err,path=$tmp/err" -serial chardev:err
	-fsdev local,id=r,path=/,security_model=none,readonly=on,multidevs=remap
	-device virtio-9p-pci,fsdev=r,mount_tag=hostroot
	-fsdev "local,id=j,path=$tmp/job,security_model=none"
	-device virtio-9p-pci,fsdev=j,mount_tag=job)
start=$EPOCHREALTIME
# timeout(1) kills qemu when the time is up, or when we are killed (the parent-death signal).
deathsig=()
setpriv --help 2>/dev/null | grep -q -- --pdeathsig && deathsig=(setpriv --pdeathsig TERM --)
"${deathsig[@]}" timeout -k 5 "$timeout_s" "${qemu[@]}" </dev/null >"$tmp/qemu.log" 2>&1 &
qpid=$!
# Stream what the guest writes to its serial ports as it comes.
tail -q -c +1 -s 0.05 --pid="$qpid" -f "$tmp/out" &
tails+=($!)
tail -q -c +1 -s 0.05 --pid="$qpid" -f "$tmp/err" >&2 &
tails+=($!)
if [ $verbose = 1 ]; then
	tail -q -c +1 -s 0.05 --pid="$qpid" -f "$tmp/console" >&2 &
	tails+=($!)
fi
qrc=0
wait "$qpid" || qrc=$?
qpid=
wait "${tails[@]}" 2>/dev/null || true
tails=()
elapsed=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
[ $verbose = 1 ] && say "kernel $kver: the VM ran ${elapsed} s"

if [ -s "$tmp/job/status" ]; then
	rc=$(cat "$tmp/job/status")
	[[ $rc =~ ^[0-9]+$ ]] || rc=$E_VM
	exit "$rc"
fi
if [ $qrc -eq 124 ] || { [ $qrc -eq 137 ] && [ "${elapsed%.*}" -ge "$timeout_s" ]; }; then
	say "timed out after ${timeout_s} s (boot included); the VM was killed"
	rc=$E_TIMEOUT
else
	say "the VM (kernel $kver) stopped before the command finished (qemu status $qrc)"
	rc=$E_VM
fi
if [ -s "$tmp/qemu.log" ]; then
	say "qemu said:"
	sed 's/^/  /' "$tmp/qemu.log" >&2
fi
say "last lines of the VM console:"
tail -n 30 "$tmp/console" | tr -d '\r' | sed 's/^/  /' >&2
exit $rc
