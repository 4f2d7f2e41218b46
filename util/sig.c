/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <pthread.h>

#include "util/sig.h"

int util_sig_block(const int *sigs, size_t n, sigset_t *ret_set, sigset_t *ret_old)
{
	sigset_t set, old;
	int r;

	sigemptyset(&set);
	for (size_t i = 0; i < n; i++)
		if (sigaddset(&set, sigs[i]) < 0)
			return -EINVAL;
	/* pthread_sigmask, not sigprocmask: the same in one thread, defined in several. */
	r = pthread_sigmask(SIG_BLOCK, &set, &old);
	if (r)
		return -r;
	if (ret_set)
		*ret_set = set;
	if (ret_old)
		*ret_old = old;
	return 0;
}

void util_sig_restore(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

void util_sig_unblock_all(void)
{
	sigset_t none;

	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
}
