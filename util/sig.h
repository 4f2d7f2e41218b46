/* SPDX-License-Identifier: MIT */
/*
 * Signal masks: signals blocked so they arrive on a signalfd (or wait out a teardown), the
 * mask put back after, and a child's mask cleared before it execs (exec keeps the mask).
 */
#ifndef EDGEMU_UTIL_SIG_H
#define EDGEMU_UTIL_SIG_H

#include <signal.h>
#include <stddef.h>

/*
 * Blocks the n signals of sigs in the calling thread. The set blocked goes to *ret_set (for
 * signalfd()), the mask before to *ret_old (for util_sig_restore()); either may be NULL.
 * 0 or -errno; both outputs untouched on failure.
 */
int util_sig_block(const int *sigs, size_t n, sigset_t *ret_set, sigset_t *ret_old);
/* Sets the calling thread's mask back to old, as util_sig_block() saved it. */
void util_sig_restore(const sigset_t *old);
/* Unblocks every signal: for a freshly forked child, before it execs or runs on its own. */
void util_sig_unblock_all(void);

#endif
