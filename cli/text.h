/* SPDX-License-Identifier: MIT */
/* Moved to util/text.h (issue 13); this name stays until its last users switch. */
#include "util/text.h"
