/* SPDX-License-Identifier: MIT */
/* Moved to util/num.h (issue 13); this name stays until its last users switch. */
#include "util/num.h"
