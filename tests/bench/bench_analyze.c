/* SPDX-License-Identifier: MIT */
/*
 * tests/bench/bench_analyze.c — the analyzer's benchmark (not a timed
 * test): load (read, decompress, decode, index, CSR) -> dominators and
 * retained sizes -> SCC -> top N (selection plus one breadth-first search
 * for their paths), on one snapshot; prints seconds per phase, peak RSS and
 * peak bytes per block. tests/bench/bench_analyze.sh runs it on hsgen
 * snapshots and reports medians. See docs/analyzer.md#performance.
 *
 *   bench_analyze FILE [N]
 */
#define _POSIX_C_SOURCE 200809L
#include "load/load.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU seconds of this process: the machine is shared, and CPU time is less
 * disturbed by other work than wall time (though not by cache contention). */
static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static long peak_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_analyze FILE [N]\n");
        return 2;
    }
    uint32_t topn = argc > 2 ? (uint32_t)atoi(argv[2]) : 20;
    graph g;
    graph_load_error err;
    double c0 = cpu(), t0 = now();
    if (graph_load_file(argv[1], &g, NULL, &err)) {
        fprintf(stderr, "bench_analyze: %s\n", err.message);
        return 1;
    }
    double t1 = now(), c1 = cpu();
    long rss_load = peak_kib();
    if (graph_dominators(&g, NULL)) return 1;
    double t2 = now(), c2 = cpu();
    long rss_dom = peak_kib();
    /* top N by retained size: one pass with a small sorted array */
    uint32_t *top = calloc(topn + 1, 4), ntop = 0;
    for (uint32_t v = 0; v < g.n; v++) {
        uint64_t r = graph_retained(&g, v);
        if (ntop == topn && (topn == 0 || graph_retained(&g, top[ntop - 1]) >= r)) continue;
        uint32_t i = ntop < topn ? ntop++ : ntop - 1;
        while (i > 0 && graph_retained(&g, top[i - 1]) < r) top[i] = top[i - 1], i--;
        top[i] = v;
    }
    uint32_t *via;
    if (graph_bfs(&g, &via, NULL, NULL)) return 1;
    uint64_t steps = 0;
    for (uint32_t i = 0; i < ntop; i++)
        for (uint32_t v = top[i]; via[v] != GRAPH_NONE && via[v] < g.nedges; v = graph_edge_from(&g, via[v])) steps++;
    free(via);
    double t3 = now(), c3 = cpu();
    long rss_top = peak_kib();
    uint32_t *comp, ncomp;
    if (graph_scc(&g, &comp, &ncomp, NULL)) return 1;
    double t4 = now(), c4 = cpu();
    long rss_scc = peak_kib();
    free(comp);
    printf("blocks %u  references %u (strong %llu)  roots %u  reachable %llu  unreachable %llu\n", g.n, g.nedges,
           (unsigned long long)g.strong_edges, g.nroots, (unsigned long long)g.reach_count,
           (unsigned long long)g.unreach_count);
    printf("load %.3f s  dominators+retained %.3f s  top%u+paths %.3f s  end-to-end %.3f s  scc %.3f s (%u components)\n",
           t1 - t0, t2 - t1, topn, t3 - t2, t3 - t0, t4 - t3, ncomp);
    printf("cpu: load %.3f s  dominators+retained %.3f s  top+paths %.3f s  end-to-end %.3f s  scc %.3f s\n", c1 - c0,
           c2 - c1, c3 - c2, c3 - c0, c4 - c3);
    printf("peak RSS after load %.1f MiB, dominators %.1f MiB, top %.1f MiB, scc %.1f MiB; %.1f bytes/block\n",
           rss_load / 1024.0, rss_dom / 1024.0, rss_top / 1024.0, rss_scc / 1024.0,
           g.n ? rss_scc * 1024.0 / g.n : 0.0);
    printf("top1 retained %llu, path steps %llu\n", ntop ? (unsigned long long)graph_retained(&g, top[0]) : 0ull,
           (unsigned long long)steps);
    free(top);
    graph_release(&g);
    return 0;
}
