/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_graph.c — `heapsnap graph FILE ADDR -o out.dot|out.svg`: a
 * Graphviz graph of the references around one block, like objgraph's
 * show_backrefs / show_refs: breadth-first over referrers (default) or
 * referents up to --depth levels and --max-nodes blocks, each block with
 * its type, address, shallow and retained bytes, each reference with its
 * label (weak ones dashed), and the shortest strong chain from a root to
 * the block highlighted (always included, whatever the depth). `.svg`
 * runs Graphviz's `dot` when installed, and says how to get it when not.
 * Referrers are found by one pass over the references per level (no
 * reverse index). Iterative, no recursion. See docs/cli.md#graph.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"

#include <errno.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

typedef struct graph_options {
    const char *out, *dir;
    uint64_t depth, max;
    bool index; /* --no-index: neither read nor write the index */
} graph_options;

static const graph_options graph_defaults = {.dir = "referrers", .depth = 3, .max = 100, .index = true};

static const cli_opt graph_opts[] = {
    {"output", 'o', CLI_STRING, CLI_FIELD(graph_options, out), "FILE",
     "write FILE: .svg renders with Graphviz's dot, else dot text ('-' stdout)"},
    {"depth", 0, CLI_UINT, CLI_FIELD(graph_options, depth), "D", "follow references D levels away from the block (default %D)"},
    {"direction", 0, CLI_STRING, CLI_FIELD(graph_options, dir), "DIR",
     "'referrers' (who holds it, default) or 'referents' (what it holds)"},
    {"max-nodes", 0, CLI_UINT, CLI_FIELD(graph_options, max), "N", "show at most N blocks (default %D)"},
    {"index", 0, CLI_BOOL, CLI_FIELD(graph_options, index), NULL, CLI_INDEX_HELP},
};

static const cli_cmd graph_cmd = {
    "graph", "heapsnap graph [--depth D] [--direction referrers|referents] [--max-nodes N] -o OUT.dot|OUT.svg FILE ADDR",
    "Write a Graphviz graph of the references around the block at ADDR, its chain from a root highlighted.",
    graph_opts, sizeof graph_opts / sizeof graph_opts[0], 2, 2, &graph_defaults, sizeof graph_defaults,
};

/* a DOT double-quoted string body: quotes and backslashes escaped, control characters shown as \xNN */
static void dot_text(FILE *f, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f) fprintf(f, "\\\\x%02x", c);
        else fputc(c, f);
    }
}

static void dot_label_ref(FILE *f, const graph *g, uint8_t kind, uint32_t label)
{
    unsigned lt = (kind >> GRAPH_LABEL_SHIFT) & 3u;
    char buf[32];
    if (lt == HS_LABEL_INDEX) {
        snprintf(buf, sizeof buf, "[%u]", label);
        fputs(buf, f);
    } else if (lt == HS_LABEL_STRING) {
        size_t len = 0;
        const char *s = g->reader ? hs_reader_string(g->reader, label, &len) : NULL;
        if (s) dot_text(f, s, len > 200 ? 200 : len);
    }
}

static bool on_path(const uint32_t *path_nodes, uint32_t npn, uint32_t v)
{
    for (uint32_t i = 0; i < npn; i++)
        if (path_nodes[i] == v) return true;
    return false;
}

static bool path_edge(const uint32_t *steps, uint32_t nsteps, uint32_t e)
{
    for (uint32_t i = 1; i < nsteps; i++)
        if (steps[i] == e) return true;
    return false;
}

static int write_dot(FILE *f, const graph *g, uint32_t target, bool referrers, uint32_t depth, uint32_t maxn)
{
    uint32_t *via = NULL;
    graph_near_set ns;
    if (graph_bfs(g, &via, NULL, cli_progress())) return -1;
    if (graph_near(g, via, target, referrers, depth, maxn, &ns)) {
        free(via);
        return -1;
    }
    free(via);
    const uint32_t *pos = ns.pos, *list = ns.list, *steps = ns.steps, *path_nodes = ns.path;
    const uint32_t nl = ns.n, omitted = ns.omitted, nsteps = ns.nsteps, npn = ns.npath;
    char buf[256], b1[32], b2[32];
    fprintf(f, "digraph heapsnap {\n  rankdir=%s;\n  node [shape=box, fontname=\"Helvetica\", fontsize=10, style=filled, fillcolor=\"#f4f4f4\"];\n"
               "  edge [fontname=\"Helvetica\", fontsize=9];\n",
            referrers ? "BT" : "TB");
    for (uint32_t i = 0; i < nl; i++) {
        uint32_t v = list[i];
        const char *tn = out_type_name(g, v, buf, sizeof buf);
        fprintf(f, "  n%u [label=\"", i);
        dot_text(f, tn, strlen(tn));
        fprintf(f, "\\n0x%llx\\nshallow %s, retained %s\"", (unsigned long long)graph_addr(g, v), fmt_bytes(graph_size(g, v), b1),
                fmt_bytes(graph_retained(g, v), b2));
        if (v == target) fputs(", fillcolor=\"#ffd27f\", penwidth=2", f);
        else if (on_path(path_nodes, npn, v)) fputs(", color=\"#c0392b\", penwidth=2", f);
        if (!graph_reachable(g, v)) fputs(", fontcolor=\"#777777\"", f);
        fputs("];\n", f);
    }
    /* the root of the chain */
    if (nsteps) {
        fputs("  root [shape=ellipse, color=\"#c0392b\", penwidth=2, fillcolor=\"#fdecea\", label=\"", f);
        const graph_root *rt = &g->roots[steps[0] - g->nedges];
        fprintf(f, "%s root", out_root_kind_name(rt->kind));
        size_t len = 0;
        const char *name = rt->name == HS_NONE || !g->reader ? NULL : hs_reader_string(g->reader, rt->name, &len);
        if (name) {
            fputs("\\n", f);
            dot_text(f, name, len > 200 ? 200 : len);
        }
        fprintf(f, "\"];\n  root -> n%u [color=\"#c0392b\", penwidth=2];\n", pos[rt->node]);
    }
    /* every reference between shown blocks */
    for (uint32_t i = 0; i < nl; i++) {
        uint32_t v = list[i];
        for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
            uint32_t w = g->out_to[e];
            if (pos[w] == GRAPH_NONE) continue;
            fprintf(f, "  n%u -> n%u [label=\"", i, pos[w]);
            dot_label_ref(f, g, g->out_kind[e], graph_label(g, e));
            fputc('"', f);
            if (!graph_is_strong(g->out_kind[e])) fprintf(f, ", style=dashed, color=\"#888888\"");
            if (path_edge(steps, nsteps, e)) fputs(", color=\"#c0392b\", penwidth=2", f);
            fputs("];\n", f);
        }
    }
    if (omitted) fprintf(f, "  more [shape=note, label=\"%u more not shown (--max-nodes)\"];\n", omitted);
    fputs("}\n", f);
    graph_near_release(&ns);
    return 0;
}

/* Graphviz's dot on PATH? */
static bool have_dot(void)
{
    const char *p = getenv("PATH");
    if (!p) return false;
    while (*p) {
        const char *c = strchr(p, ':');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        char path[4096];
        if (n && n + 5 < sizeof path) {
            snprintf(path, sizeof path, "%.*s/dot", (int)n, p);
            struct stat st;
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0) return true;
        }
        if (!c) break;
        p = c + 1;
    }
    return false;
}

static bool ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

int cmd_graph(int argc, char **argv)
{
    char *args[2];
    int nargs;
    graph_options o;
    int rc = cli_parse(&graph_cmd, argc, argv, &o, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    if (!o.out || !*o.out) {
        fprintf(stderr, "heapsnap graph: -o FILE is required\nusage: %s\n", graph_cmd.usage);
        return HS_EXIT_USAGE;
    }
    bool referrers = strcmp(o.dir, "referrers") == 0;
    if (!referrers && strcmp(o.dir, "referents") != 0) {
        fprintf(stderr, "heapsnap graph: --direction takes 'referrers' or 'referents'\nusage: %s\n", graph_cmd.usage);
        return HS_EXIT_USAGE;
    }
    if (o.max < 1 || o.max > 100000 || o.depth > 1000) {
        fprintf(stderr, "heapsnap graph: --max-nodes takes 1 to 100000, --depth at most 1000\nusage: %s\n",
                graph_cmd.usage);
        return HS_EXIT_USAGE;
    }
    if ((rc = cli_check_addr(&graph_cmd, args[1]))) return rc;
    bool svg = ends_with(o.out, ".svg");
    if (svg && !have_dot())
        return cli_error("'%s': rendering SVG needs Graphviz's 'dot', which is not installed: "
                         "apt-get install graphviz (or write DOT text with -o FILE.dot)", o.out);
    const char *path = args[0];
    graph g;
    if ((rc = cli_graph_load(path, &g, CLI_NEED_DOMINATORS | CLI_NEED_PATHS | (referrers ? CLI_NEED_REFERRERS : 0),
                            o.index))) return rc;
    uint32_t v;
    if ((rc = cli_find_block(path, &g, args[1], "graph", &v))) {
        graph_release(&g);
        return rc;
    }
    /* The output goes through hs_outfile (O_EXCL|O_NOFOLLOW, 0600, atomic);
     * for .svg, dot reads the DOT text from a second temporary file and
     * writes into the output's own temporary file, never to the target. */
    bool to_stdout = strcmp(o.out, "-") == 0;
    hs_outfile *of = NULL, *dotf = NULL;
    hs_error e;
    FILE *f = stdout;
    if (!to_stdout) {
        hs_status st = hs_outfile_open(o.out, 0, 0, &of, &e);
        if (st == HS_OK && svg) st = hs_outfile_open(o.out, 0, HS_OUTFILE_NO_FSYNC | HS_OUTFILE_NO_SWEEP, &dotf, &e);
        if (st == HS_OK && !(f = hs_outfile_stream(svg ? dotf : of))) {
            e = *hs_outfile_error(svg ? dotf : of);
            st = HS_ERR_IO;
        }
        if (st != HS_OK) {
            hs_outfile_discard(dotf);
            hs_outfile_discard(of);
            graph_release(&g);
            return cli_error("%s", e.message);
        }
    }
    int bad = write_dot(f, &g, v, referrers, (uint32_t)o.depth, (uint32_t)o.max);
    int ret = HS_EXIT_OK;
    if (bad) {
        ret = cli_error("'%s': out of memory", path);
    } else if (svg) {
        if (fflush(f) != 0 || ferror(f)) {
            ret = cli_error("'%s': write failed: %s", o.out, strerror(errno ? errno : EIO));
        } else {
            char *dargv[] = {"dot", "-Tsvg", "-o", (char *)hs_outfile_temp_path(of),
                             (char *)hs_outfile_temp_path(dotf), NULL};
            pid_t pid;
            int st = 0;
            int en = posix_spawnp(&pid, "dot", NULL, NULL, dargv, environ);
            if (en) ret = cli_error("'%s': cannot run dot: %s", o.out, strerror(en));
            else if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
                ret = cli_error("'%s': dot failed (exit status %d)", o.out, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        }
    }
    hs_outfile_discard(dotf);
    if (ret) hs_outfile_discard(of);
    else if (of && hs_outfile_commit(of, &e) != HS_OK) ret = cli_error("%s", e.message);
    /* standard output is checked once, at exit (main.c) */
    graph_release(&g);
    return ret;
}
