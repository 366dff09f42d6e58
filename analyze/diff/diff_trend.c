/* SPDX-License-Identifier: MIT */
/*
 * analyze/diff/diff_trend.c — diff_trend_build(): across a series of
 * snapshots, the owners whose retained size grows in every step or nearly
 * every step (memlab's "unbound object" analysis), ranked by net growth.
 * Printed by `heapsnap trend` (cli/cmd_trend.c). See docs/diff.md#trend.
 *
 * Steps reuse the diff library unchanged: each consecutive pair is matched
 * by signature (diff_groups_merge) and its growth attributed to owners
 * (diff_owners, threshold 0); an owner "grows in a step" when diff lists
 * it for that pair. It is reported when it grows in at least
 * need = ceil(0.75 * (n-1)) steps and its net growth over the series is
 * at least max(noise, min), noise as in diff.
 *
 * Memory. Snapshots are loaded one at a time; between loads only summaries
 * stay: the previous snapshot's group table (to match the next one), the
 * tables of the first n-1-need snapshots (an owner first seen in a later
 * step cannot qualify, so these suffice to fill in the early figures of a
 * late starter), and per candidate owner its per-snapshot figures.
 * Candidates that missed more than n-1-need steps are dropped. The last
 * snapshot keeps its graph, to name owners and print their paths.
 */
#include "diff/diff.h"

#include <stdlib.h>
#include <string.h>


static diff_trend_owner *trend_find(const diff_trend *t, uint64_t sig)
{
    const diff_group *g = diff_gtab_find(&t->idx, sig);
    return g ? &t->o[g->example] : NULL;
}

static diff_trend_owner *trend_add(diff_trend *t, uint64_t sig, uint32_t step)
{
    if (t->no == t->cap) {
        uint32_t ncap = t->cap ? t->cap * 2 : 64;
        diff_trend_owner *no = realloc(t->o, (size_t)ncap * sizeof *no);
        if (!no) return NULL;
        t->o = no;
        t->cap = ncap;
    }
    bool created;
    uint32_t gi = diff_gtab_get(&t->idx, sig, &created);
    if (gi == GRAPH_NONE) return NULL;
    diff_trend_owner *o = &t->o[t->no];
    memset(o, 0, sizeof *o);
    o->sig = sig;
    o->first = step;
    o->missed = step;
    o->retained = malloc((size_t)t->n * 8);
    o->entries = malloc((size_t)t->n * 8);
    o->growth = calloc(t->n, 8);
    if (!o->retained || !o->entries || !o->growth) {
        free(o->retained);
        free(o->entries);
        free(o->growth);
        return NULL;
    }
    for (uint32_t i = 0; i < t->n; i++) o->retained[i] = o->entries[i] = DIFF_TREND_UNKNOWN;
    t->idx.v[gi].example = t->no++;
    return o;
}

static void owner_free(diff_trend_owner *o)
{
    free(o->retained);
    free(o->entries);
    free(o->growth);
    o->retained = o->entries = o->growth = NULL;
}

static void gtab_release(diff_gtab *g)
{
    free(g->v);
    free(g->slot);
    memset(g, 0, sizeof *g);
}

/* A snapshot's own groups (counted on side 1) as a BEFORE table for the
 * next comparison: the same groups with their figures on side 0. */
static int gtab_as_before(diff_gtab *dst, const diff_gtab *src)
{
    memset(dst, 0, sizeof *dst);
    for (uint32_t i = 0; i < src->n; i++) {
        const diff_group *s = &src->v[i];
        bool created;
        uint32_t k = diff_gtab_get(dst, s->sig, &created);
        if (k == GRAPH_NONE) return -1;
        diff_group *d = &dst->v[k];
        d->parent_sig = s->parent_sig;
        d->type_hash = s->type_hash;
        d->count[0] = s->count[1];
        d->retained[0] = s->retained[1];
    }
    return 0;
}

/* Entries of snapshot `snap` from its own table: members of the child
 * groups of each candidate whose type is the candidate's entries type.
 * only_first: just the candidates first listed in that step (UINT32_MAX:
 * all). Each (snapshot, candidate) pair is scanned once: a candidate exists
 * from its first step on, and late starters are filled only for earlier
 * snapshots. */
static void fill_entries(diff_trend *t, const diff_gtab *own, uint32_t snap, uint32_t only_first)
{
    for (uint32_t i = 0; i < t->no; i++) {
        diff_trend_owner *o = &t->o[i];
        if (!o->dead && o->entries_type && (only_first == UINT32_MAX || o->first == only_first) &&
            o->entries[snap] == DIFF_TREND_UNKNOWN)
            o->entries[snap] = 0;
    }
    for (uint32_t i = 0; i < own->n; i++) {
        const diff_group *g = &own->v[i];
        if (!g->parent_sig) continue;
        diff_trend_owner *o = trend_find(t, g->parent_sig);
        if (!o || o->dead || !o->entries_type || o->entries_type != g->type_hash) continue;
        if (only_first != UINT32_MAX && o->first != only_first) continue;
        o->entries[snap] = diff_add(o->entries[snap], diff_i64(g->count[0]));
    }
}

/* One step: prev (S_k as BEFORE) against cur (S_k+1, merged in place). */
static int trend_step(diff_trend *t, uint32_t k, diff_gtab *cur, const diff_gtab *prev, const diff_gtab *early)
{
    if (diff_groups_merge(cur, prev)) return -1;
    uint32_t no;
    diff_owner *ow = diff_owners(cur, 0, 0, &no);
    if (!ow) return -1;
    uint32_t before = t->no;
    bool *listed = calloc((size_t)t->no + no + 1, 1);
    if (!listed) {
        free(ow);
        return -1;
    }
    for (uint32_t i = 0; i < no; i++) {
        const diff_group *g = &cur->v[ow[i].group];
        diff_trend_owner *o = trend_find(t, g->sig);
        if (!o && k <= t->slack && !(o = trend_add(t, g->sig, k))) {
            free(listed);
            free(ow);
            return -1;
        }
        if (!o || o->dead) continue;
        listed[o - t->o] = true;
        o->grew++;
        o->growth[k] = ow[i].growth;
        if (!o->entries_type && ow[i].entries_type) o->entries_type = ow[i].entries_type;
    }
    free(ow);
    for (uint32_t i = 0; i < t->no; i++) {
        diff_trend_owner *o = &t->o[i];
        if (o->dead) continue;
        if (!listed[i] && ++o->missed > t->slack) {
            o->dead = true;
            owner_free(o);
            continue;
        }
        const diff_group *g = diff_gtab_find(cur, o->sig);
        if (g && g->count[0]) o->retained[k] = diff_i64(g->retained[0]);
        if (g && g->count[1]) o->retained[k + 1] = diff_i64(g->retained[1]);
    }
    free(listed);
    /* late starters: their figures before step k from the early tables */
    if (t->no > before) {
        for (uint32_t j = 0; j < k; j++) {
            for (uint32_t i = before; i < t->no; i++) {
                const diff_group *g = diff_gtab_find(&early[j], t->o[i].sig);
                if (!t->o[i].dead && g && g->count[0]) t->o[i].retained[j] = diff_i64(g->retained[0]);
            }
            fill_entries(t, &early[j], j, k);
        }
        fill_entries(t, prev, k, k);
    }
    return 0;
}

static int cmp_ranked(const void *pa, const void *pb)
{
    const diff_trend_owner *a = *(diff_trend_owner *const *)pa, *b = *(diff_trend_owner *const *)pb;
    if (a->net != b->net) return a->net > b->net ? -1 : 1;
    if (a->grew != b->grew) return a->grew > b->grew ? -1 : 1;
    return a->sig < b->sig ? -1 : a->sig > b->sig;
}

static int64_t header_time(const char *path)
{
    hs_reader *r = NULL;
    hs_record rec;
    int64_t t = 0;
    if (load_open_reader(path, &r) == HS_OK && hs_reader_next(r, &rec) == HS_OK) {
        const hs_header *h = hs_reader_header(r);
        if (h) t = h->time_us;
    }
    hs_reader_close(r);
    return t;
}

int diff_trend_build(diff_trend *t, char *const *paths, uint32_t n, uint64_t noise_opt, uint64_t min, uint32_t top,
                     unsigned what)
{
    memset(t, 0, sizeof *t);
    t->n = n;
    t->need = (3 * (t->n - 1) + 3) / 4; /* ceil(0.75 * steps) */
    t->slack = t->n - 1 - t->need;
    t->time_us = calloc(t->n, 8);
    t->blocks = calloc(t->n, 8);
    t->reachable = calloc(t->n, 8);
    t->shallow = calloc(t->n, 8);
    t->mem = calloc(t->n, sizeof *t->mem);
    diff_gtab *early = calloc((size_t)t->slack + 1, sizeof *early);
    diff_gtab prev = {0}, next = {0};
    diff_snap *s = t->last = calloc(1, sizeof *s);
    int rc = -1;
    if (!t->time_us || !t->blocks || !t->reachable || !t->shallow || !t->mem || !early || !s) goto done;
    for (uint32_t i = 0; i < t->n; i++) {
        bool last = i + 1 == t->n;
        if (i) diff_snap_release(s);
        diff_snap_build(s, paths[i], 1, (what & DIFF_INDEX) | DIFF_GROUPS | (last ? DIFF_KEEP_GRAPH : 0), DIFF_BY_LINE);
        if (s->status) {
            t->failed = s;
            goto done;
        }
        t->blocks[i] = s->blocks;
        t->reachable[i] = s->reachable_bytes;
        t->shallow[i] = s->total_shallow;
        t->mem[i] = s->mem;
        t->time_us[i] = header_time(paths[i]);
        uint64_t nz = diff_noise(noise_opt, s, s);
        if (nz > t->noise) t->noise = nz;
        if (gtab_as_before(&next, &s->groups)) goto done;
        if (i && trend_step(t, i - 1, &s->groups, &prev, early)) goto done;
        fill_entries(t, &next, i, UINT32_MAX);
        if (i && i - 1 < t->slack) early[i - 1] = prev;
        else gtab_release(&prev);
        prev = next;
        memset(&next, 0, sizeof next);
    }
    /* net growth: what diff attributed in the steps listed, plus the shrinking of the others */
    t->thr = t->noise > min ? t->noise : min;
    if (!(t->rank = calloc((size_t)t->no + 1, sizeof *t->rank))) goto done;
    for (uint32_t i = 0; i < t->no; i++) {
        diff_trend_owner *w = &t->o[i];
        if (w->dead || w->grew < t->need) continue;
        w->net = 0;
        for (uint32_t k = 0; k + 1 < t->n; k++) {
            /* checked: retained figures are >= 0 (saturated by diff_i64), sums saturate */
            if (w->growth[k]) w->net = diff_add(w->net, w->growth[k]);
            else if (w->retained[k] != DIFF_TREND_UNKNOWN && w->retained[k + 1] != DIFF_TREND_UNKNOWN &&
                     w->retained[k + 1] < w->retained[k])
                w->net = diff_add(w->net, w->retained[k + 1] - w->retained[k]);
        }
        if (w->net > 0 && (uint64_t)w->net >= t->thr) t->rank[t->nrank++] = w;
    }
    qsort(t->rank, t->nrank, sizeof *t->rank, cmp_ranked);
    if (top && t->nrank > top) t->nrank = top;
    bool timed = true;
    for (uint32_t i = 0; i < t->n; i++)
        if (!t->time_us[i]) timed = false;
    /* the span of two int64 times fits in uint64: the subtraction is exact mod 2^64 and the later is larger */
    if (timed && t->time_us[t->n - 1] > t->time_us[0])
        t->seconds = (double)((uint64_t)t->time_us[t->n - 1] - (uint64_t)t->time_us[0]) / 1e6;
    rc = 0;
done:
    gtab_release(&prev);
    gtab_release(&next);
    if (early)
        for (uint32_t j = 0; j < t->slack; j++) gtab_release(&early[j]);
    free(early);
    return rc;
}

void diff_trend_release(diff_trend *t)
{
    for (uint32_t i = 0; i < t->no; i++) owner_free(&t->o[i]);
    free(t->o);
    free(t->idx.v);
    free(t->idx.slot);
    free(t->rank);
    free(t->time_us);
    free(t->blocks);
    free(t->reachable);
    free(t->shallow);
    free(t->mem);
    if (t->last) diff_snap_release(t->last);
    free(t->last);
    memset(t, 0, sizeof *t);
}
