/* SPDX-License-Identifier: MIT */
/*
 * analyze/load/load_open.c — load_open_reader(): the reader limits every
 * command uses, with the one environment override (HEAPSNAP_MAX_RATIO).
 * See docs/cli.md#environment.
 */
#include "load/load.h"

#include <stdlib.h>

void load_reader_limits(hs_reader_limits *lim)
{
    hs_reader_limits_default(lim);
    const char *ratio = getenv("HEAPSNAP_MAX_RATIO");
    if (ratio && *ratio) {
        char *end;
        unsigned long v = strtoul(ratio, &end, 10);
        if (!*end && v <= UINT32_MAX) lim->max_ratio = (uint32_t)v; /* 0 disables the check */
    }
}

hs_status load_open_reader(const char *path, hs_reader **r)
{
    hs_reader_limits lim;
    load_reader_limits(&lim);
    return hs_reader_open(path, &lim, r);
}
