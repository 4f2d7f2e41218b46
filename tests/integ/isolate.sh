# SPDX-License-Identifier: MIT
# Sourced first (before lib.sh) by a test that must not see, nor be seen by, other runs on
# the machine: it runs again in a mount namespace of its own whose /run/edgemu, /run/netns
# and /etc/netns are empty tmpfs mounts, which go with it whatever happens.
if [ "${EDGEMU_TEST_ISOLATED:-}" != 1 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: integration tests need root"
		exit 77
	fi
	export EDGEMU_TEST_ISOLATED=1
	exec unshare -m --propagation private bash -c '
		for d in /run/edgemu /run/netns /etc/netns; do
			mkdir -p "$d" && mount -t tmpfs edgemu-test "$d" || exit 1
		done
		exec bash "$0"' "$0"
fi
