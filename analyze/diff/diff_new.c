/* SPDX-License-Identifier: MIT */
/*
 * analyze/diff/diff_new.c — what `heapsnap report --base` needs from the
 * comparison beyond what `heapsnap diff` uses: diff_new_blocks() marks the
 * blocks of AFTER that were not in BEFORE (identity as diff_key: address,
 * type name, signature; the V8 node id alone between V8 snapshots) and
 * counts them per type; diff_group_index() finds the merged group of a node
 * of AFTER, to tie owners to the report's
 * dominator tree. See docs/report.md#growth and
 * docs/diff.md. One pass over the blocks; no recursion, no output.
 */
#include "diff/diff.h"

#include <stdlib.h>

uint8_t *diff_new_blocks(const diff_snap *before, diff_snap *after)
{
    const uint32_t n = after->g.n;
    uint8_t *bits = calloc((size_t)n / 8 + 1, 1);
    if (!bits) return NULL;
    for (uint32_t v = 0; v < n; v++) {
        if (diff_keys_contain(before->keys, before->nkeys, diff_key(after, v))) continue;
        bits[v >> 3] |= (uint8_t)(1u << (v & 7));
        diff_type *t = &after->types[after->g.type[v]];
        t->new_count++;
        t->new_bytes += graph_size(&after->g, v);
    }
    return bits;
}

bool diff_new_bit(const diff_snap *s, uint32_t v, void *bits)
{
    (void)s;
    return (((const uint8_t *)bits)[v >> 3] >> (v & 7)) & 1;
}

uint32_t diff_group_index(const diff_snap *after, uint32_t v)
{
    if (!after->sig) return GRAPH_NONE;
    const diff_group *g = diff_gtab_find(&after->groups, after->sig[v]);
    return g ? (uint32_t)(g - after->groups.v) : GRAPH_NONE;
}
