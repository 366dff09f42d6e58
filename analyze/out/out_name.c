/* SPDX-License-Identifier: MIT */
/*
 * analyze/out/out_name.c — out_name(): a block named the way its program
 * writes it — `__main__.Widget._instances`, `logging.Logger.manager.loggerDict`,
 * `blocked().items (thread 12, app.py:8)` — from its path of
 * graph_bfs_named(). Used by top, suspects, cycles, diff, leaks and trend, so every
 * command names a holder alike. See docs/cli.md#names.
 *
 * The rules. The path starts at its root: a global root is its name (a
 * module's name; after a synthetic root in parentheses, V8's, the first
 * block is named by its type: `global.keep`), and its block a namespace; a frame root `thread T: f (file:line)` is `f()` with the
 * thread and line after the name; a runtime root is `<name>`; a block
 * only C code holds is `C-held <type> 0x…`; garbage is named from where
 * graph_bfs_named() started searching it, `<garbage __main__.Job>`. Then each reference: a name
 * label is `.name` — `['name']` when the holder is a data dict (a mapping
 * not reached as a `__dict__`); an index is `[i]`; an unlabelled entry of
 * a container is `[…]`; in a group's name (OUT_NAME_WILD) indexes and
 * data keys are `[…]` too. `__dict__`, `__closure__` and `cell_contents`
 * steps are left out (an attribute reads `.attr` whether it lives inline
 * or in a dict, a closure variable reads as the function's). An
 * unlabelled reference from anything else names the target by its type:
 * `builtins.dict in functools._lru_cache_wrapper __main__.C._get` when it
 * is the last step, `.<builtins.dict>` before. Paths of more than 14
 * steps keep the first 5 and the last 8, with `.…` between.
 */
#define _POSIX_C_SOURCE 200809L
#include "out/out.h"

#include <stdlib.h>
#include <string.h>

typedef struct sbuf {
    char *p;
    size_t cap, len;
    bool cut;
} sbuf;

static void put(sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        n = b->cap > b->len + 1 ? b->cap - b->len - 1 : 0;
        b->cut = true;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}
static void puts_(sbuf *b, const char *s) { put(b, s, strlen(s)); }

static bool label_is(const graph *g, uint32_t e, const char *s)
{
    size_t len;
    const char *l = g->reader ? hs_reader_string(g->reader, graph_label(g, e), &len) : NULL;
    return l && len == strlen(s) && !memcmp(l, s, len);
}

static void put_type(sbuf *b, const graph *g, uint32_t v)
{
    char t[256];
    puts_(b, out_type_name(g, v, t, sizeof t));
}

/* The root's part of the name; *ctx gets a frame root's thread and line. */
static void put_root(sbuf *b, const graph *g, uint32_t r, uint32_t start, char *ctx, size_t ctxcap)
{
    if (r >= g->nroots) { /* a search of the garbage started at `start` */
        puts_(b, "<garbage ");
        put_type(b, g, start);
        puts_(b, ">");
        return;
    }
    const graph_root *rt = &g->roots[r];
    size_t len = 0;
    const char *name = rt->name == HS_NONE || !g->reader ? NULL : hs_reader_string(g->reader, rt->name, &len);
    char nm[320];
    graph_name_put(nm, sizeof nm, name ? name : "", name ? len : 0);
    if (rt->kind == HS_ROOT_GLOBAL && name && len) {
        puts_(b, nm);
    } else if (rt->kind == HS_ROOT_STACK && name && len) {
        /* "thread 12: f (app.py:8)": f() with "thread 12, app.py:8" after */
        char *colon = strstr(nm, ": "), *paren = colon ? strstr(colon, " (") : NULL;
        size_t nl = strlen(nm);
        if (colon && paren && nl > 0 && nm[nl - 1] == ')') {
            put(b, colon + 2, (size_t)(paren - colon - 2));
            puts_(b, "()");
            nm[nl - 1] = 0;
            snprintf(ctx, ctxcap, "%.*s, %s", (int)(colon - nm), nm, paren + 2);
        } else {
            puts_(b, nm);
        }
    } else if (rt->kind == HS_ROOT_EXTERNAL) {
        char a[40];
        puts_(b, "C-held ");
        put_type(b, g, rt->node);
        snprintf(a, sizeof a, " 0x%llx", (unsigned long long)graph_addr(g, rt->node));
        puts_(b, a);
    } else {
        puts_(b, "<");
        puts_(b, name && len ? nm : out_root_kind_name(rt->kind));
        puts_(b, ">");
    }
}

/* One reference's part. ns: the holder was reached as a __dict__. */
static void put_step(sbuf *b, const graph *g, uint32_t e, bool last, bool wild, bool *ns)
{
    uint8_t k = g->out_kind[e];
    unsigned lt = (k >> GRAPH_LABEL_SHIFT) & 3u;
    uint32_t h = graph_edge_from(g, e), t = g->out_to[e];
    char ht[256];
    out_type_name(g, h, ht, sizeof ht);
    bool was_ns = *ns;
    *ns = false;
    if (lt == HS_LABEL_STRING) {
        if (label_is(g, e, "__dict__")) {
            *ns = true;
            return;
        }
        if (label_is(g, e, "__closure__") || label_is(g, e, "cell_contents")) return;
        size_t len = 0;
        const char *l = g->reader ? hs_reader_string(g->reader, graph_label(g, e), &len) : NULL;
        char lab[200];
        if (l) graph_name_put(lab, sizeof lab, l, len);
        else snprintf(lab, sizeof lab, "<string %u>", graph_label(g, e));
        bool data = !was_ns && graph_type_is_mapping(ht);
        if (data && wild) {
            puts_(b, "[\xe2\x80\xa6]");
            return;
        }
        puts_(b, data ? "['" : ".");
        puts_(b, lab);
        if (data) puts_(b, "']");
    } else if (lt == HS_LABEL_INDEX) {
        char ix[24];
        if (wild) snprintf(ix, sizeof ix, "[\xe2\x80\xa6]");
        else if (k & GRAPH_LABEL_CLIPPED) snprintf(ix, sizeof ix, "[>%u]", UINT32_MAX - 1);
        else snprintf(ix, sizeof ix, "[%u]", graph_label(g, e));
        puts_(b, ix);
    } else if (graph_type_is_container(ht)) {
        puts_(b, "[\xe2\x80\xa6]");
    } else if (last) {
        /* "T in H name": rebuild with the prefix in front */
        char *was = strdup(b->p);
        if (!was) return;
        b->len = 0;
        b->p[0] = 0;
        put_type(b, g, t);
        puts_(b, " in ");
        puts_(b, ht);
        puts_(b, " ");
        puts_(b, was);
        free(was);
    } else {
        puts_(b, ".<");
        put_type(b, g, t);
        puts_(b, ">");
    }
}

const char *out_name(const graph *g, const uint32_t *via, uint32_t v, unsigned flags, char *buf, size_t cap)
{
    sbuf b = {buf, cap, 0, false};
    if (!cap) return buf;
    buf[0] = 0;
    if (v >= g->n) {
        puts_(&b, v == GRAPH_SUPER(g) ? "<roots>" : "<unreachable>");
        return buf;
    }
    uint32_t *s = NULL, n = via ? graph_path_steps(g, via, v, &s) : 0;
    if (!n) {
        /* no root reaches it: name it by the top of its unreachable island */
        uint32_t top = v, guard = 0;
        while (g->idom && g->idom[top] < g->n && guard++ < g->n) top = g->idom[top];
        put_type(&b, g, v);
        if (top != v) {
            puts_(&b, " in ");
            put_type(&b, g, top);
        }
        puts_(&b, " (unreachable)");
        free(s);
        return buf;
    }
    char ctx[200] = "";
    put_root(&b, g, s[0] - g->nedges, n > 1 ? graph_edge_from(g, s[1]) : v, ctx, sizeof ctx);
    /* a global root's block is a namespace (a module, its globals); a
     * synthetic root "(V8 synthetic root)" names nothing the program wrote */
    bool ns = s[0] - g->nedges < g->nroots && g->roots[s[0] - g->nedges].kind == HS_ROOT_GLOBAL, synthetic = ns && n > 1 && b.len > 1 &&
                                                                              buf[0] == '(' && buf[b.len - 1] == ')';
    if (synthetic) b.len = 0, buf[0] = 0;
    for (uint32_t i = 1; i < n; i++) {
        if (synthetic && i == 1) {
            /* the synthetic root's edge labels are slots; name the block by
             * its type, its kind word dropped ("object global": "global") */
            char t[256];
            const char *tn = out_type_name(g, g->out_to[s[1]], t, sizeof t), *sp = strchr(tn, ' ');
            puts_(&b, sp && sp[1] ? sp + 1 : tn);
            ns = true;
            continue;
        }
        if (n > 14 && i == 6) {
            puts_(&b, ".\xe2\x80\xa6");
            i = n - 8;
            ns = false;
        }
        put_step(&b, g, s[i], i + 1 == n, flags & OUT_NAME_WILD, &ns);
    }
    free(s);
    if (n == 1 && via[v] - g->nedges < g->nroots && g->roots[via[v] - g->nedges].kind == HS_ROOT_EXTERNAL) {
        b.len = 0;
        buf[0] = 0;
        put_type(&b, g, v);
        puts_(&b, " held by C code only");
    }
    if (ctx[0] && (flags & OUT_NAME_WILD)) { /* a group: the line, not one thread */
        const char *at = strstr(ctx, ", ");
        memmove(ctx, at ? at + 2 : ctx, strlen(at ? at + 2 : ctx) + 1);
    }
    if (ctx[0]) {
        puts_(&b, " (");
        puts_(&b, ctx);
        puts_(&b, ")");
    }
    if (b.cut && cap >= 4) { /* mark the cut, on a character boundary */
        size_t at = cap - 4;
        while (at > 0 && ((unsigned char)buf[at] & 0xC0) == 0x80) at--;
        memcpy(buf + at, "\xe2\x80\xa6", 4);
    }
    return buf;
}
