/* SPDX-License-Identifier: MIT */
/*
 * analyze/diff/diff_gtab.c — the table of signature groups (diff_gtab):
 * open addressing on the signature, at most half full, indices into a
 * growing array so a group's index never changes. Used while summarising a
 * snapshot (diff_snap.c) and while matching two (diff_match.c).
 */
#include "diff/diff.h"

#include <stdlib.h>
#include <string.h>

static uint32_t slot_of(uint64_t sig, uint32_t mask) { return (uint32_t)(sig ^ (sig >> 32)) & mask; }

static int gtab_grow(diff_gtab *t)
{
    uint32_t ncap = t->cap ? t->cap * 2 : 256;
    if (ncap < t->cap) return -1;
    diff_group *nv = realloc(t->v, (size_t)ncap * sizeof *nv);
    if (!nv) return -1;
    t->v = nv;
    uint32_t nslots = ncap * 2; /* at most half full */
    uint32_t *slot = malloc((size_t)nslots * 4);
    if (!slot) return -1;
    memset(slot, 0xFF, (size_t)nslots * 4);
    uint32_t mask = nslots - 1;
    for (uint32_t i = 0; i < t->n; i++) {
        uint32_t k = slot_of(t->v[i].sig, mask);
        while (slot[k] != GRAPH_NONE) k = (k + 1) & mask;
        slot[k] = i;
    }
    free(t->slot);
    t->slot = slot;
    t->mask = mask;
    t->cap = ncap;
    return 0;
}

uint32_t diff_gtab_get(diff_gtab *t, uint64_t sig, bool *created)
{
    *created = false;
    if (t->n == t->cap && gtab_grow(t)) return GRAPH_NONE;
    uint32_t k = slot_of(sig, t->mask);
    while (t->slot[k] != GRAPH_NONE) {
        if (t->v[t->slot[k]].sig == sig) return t->slot[k];
        k = (k + 1) & t->mask;
    }
    uint32_t i = t->n++;
    t->slot[k] = i;
    memset(&t->v[i], 0, sizeof t->v[i]);
    t->v[i].sig = sig;
    t->v[i].parent = GRAPH_NONE;
    t->v[i].example = GRAPH_NONE;
    *created = true;
    return i;
}

diff_group *diff_gtab_find(const diff_gtab *t, uint64_t sig)
{
    if (!t->n) return NULL;
    uint32_t k = slot_of(sig, t->mask);
    while (t->slot[k] != GRAPH_NONE) {
        if (t->v[t->slot[k]].sig == sig) return &t->v[t->slot[k]];
        k = (k + 1) & t->mask;
    }
    return NULL;
}

