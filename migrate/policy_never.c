/* SPDX-License-Identifier: MIT */
/* never: the service stays where it started; the baseline every other policy is held to. */
#include "migrate/policy.h"

const struct mig_policy_ops mig_policy_never_ops = {
    .name = "never",
};
