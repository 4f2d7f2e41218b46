/* SPDX-License-Identifier: MIT */
/*
 * A process into one node of a run, as a program started there must see it: `edgemu exec`
 * and the apps of `edgemu run` and `edgemu up` (topo/net.h, topo_node_enter()).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "emu/emu.h"
#include "topo/net.h"

int topo_node_enter(const char *run, const char *node, int ns_fd, struct topo_err *err)
{
	char ns[TOPO_RUN_MAX + TOPO_NAME_MAX + 8], hosts[PATH_MAX];
	int fd = ns_fd;

	topo_ns_name(ns, sizeof(ns), run, node);
	if (fd < 0) {
		fd = emu_netns_open(ns);
		if (fd < 0)
			return topo_err_set(err, -ENOENT, "run %s has no node '%s'", run, node);
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		int e = errno;

		if (fd != ns_fd)
			close(fd);
		return topo_err_set(err, -e, "entering node %s: %s", node, strerror(e));
	}
	if (fd != ns_fd)
		close(fd);
	/*
	 * Private mounts, so /etc/hosts and /sys are the node's for this process (and what it
	 * starts) only; slave, so mounts made outside later still reach it.
	 */
	if (unshare(CLONE_NEWNS) < 0 || mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0)
		return topo_err_set(err, -errno, "making a mount namespace: %s", strerror(errno));
	snprintf(hosts, sizeof(hosts), TOPO_ETC_NETNS "/%s/hosts", ns);
	if (access(hosts, R_OK) == 0 && mount(hosts, "/etc/hosts", "none", MS_BIND, NULL) < 0)
		return topo_err_set(err, -errno, "mounting %s on /etc/hosts: %s", hosts,
				    strerror(errno));
	/* The namespace's own devices under /sys/class/net, as `ip netns exec` shows them. */
	if (umount2("/sys", MNT_DETACH) == 0)
		mount(ns, "/sys", "sysfs", 0, NULL);
	return 0;
}
