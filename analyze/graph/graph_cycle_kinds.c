/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph_cycle_kinds.c — what each block is to the cycle
 * listing: the interpreter's structure, an interpreter kind, a neutral kind
 * or data (graph_cycle_kinds(), graph_cycle_type_kind()). Types are judged
 * by name; a class is any block with a strong `__mro__` reference (so a
 * metaclass's instances count without a list of metaclasses), or, in a JS
 * heap, a block whose strong `prototype` reference leads to a block whose
 * strong `constructor` reference leads back (the prototype is then
 * structure too: the class's namespace); the namespace of a class or a
 * module is the target of its strong `__dict__` reference. O(ntypes + n + m); iterative. The rule is docs/cli.md#cycles.
 */
#include "graph/graph.h"

#include <stdlib.h>
#include <string.h>

static bool starts(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

uint8_t graph_cycle_type_kind(const char *t)
{
    /* Python: modules and type objects; V8: the engine's own nodes (maps,
     * contexts, descriptor arrays, ...), except the payloads V8 files as
     * `native system / ...` */
    static const char *const structure[] = {"builtins.module", "builtins.type"};
    static const char *const interp[] = {
        "builtins.function", "builtins.code", "builtins.cell", "builtins.builtin_function_or_method",
        "builtins.method_descriptor", "builtins.wrapper_descriptor", "builtins.getset_descriptor",
        "builtins.member_descriptor", "builtins.classmethod_descriptor", "builtins.method-wrapper",
        "builtins.staticmethod", "builtins.classmethod", "builtins.mappingproxy", "builtins.weakref",
        "builtins.weakproxy", "builtins.weakcallableproxy", "weakref.ReferenceType", "weakref.ProxyType",
        "weakref.CallableProxyType"};
    static const char *const neutral[] = {"builtins.tuple", "builtins.method"};
    for (size_t i = 0; i < sizeof structure / sizeof *structure; i++)
        if (!strcmp(t, structure[i])) return GRAPH_CK_STRUCT;
    for (size_t i = 0; i < sizeof interp / sizeof *interp; i++)
        if (!strcmp(t, interp[i])) return GRAPH_CK_INTERP;
    for (size_t i = 0; i < sizeof neutral / sizeof *neutral; i++)
        if (!strcmp(t, neutral[i])) return GRAPH_CK_NEUTRAL;
    /* V8 type names are "<V8 type> <name>" (docs/v8.md#mapping) */
    if (starts(t, "hidden ") || starts(t, "object shape ") || (strstr(t, "system / ") && !starts(t, "native ")))
        return GRAPH_CK_STRUCT;
    if (!strcmp(t, "closure") || starts(t, "closure ") || !strcmp(t, "code") || starts(t, "code ")) return GRAPH_CK_INTERP;
    if (!strcmp(t, "array") || starts(t, "array ")) return GRAPH_CK_NEUTRAL;
    return GRAPH_CK_DATA;
}

static inline bool string_label(const graph *g, uint32_t e, uint32_t sid)
{
    return sid != HS_NONE && ((g->out_kind[e] >> GRAPH_LABEL_SHIFT) & 3u) == HS_LABEL_STRING && graph_label(g, e) == sid;
}

graph_status graph_cycle_kinds(const graph *g, uint8_t **out)
{
    *out = NULL;
    uint8_t *tk = malloc((size_t)g->ntypes + 1), *k = malloc((size_t)g->n + 1);
    if (!tk || !k) {
        free(tk);
        free(k);
        return GRAPH_ERR_NOMEM;
    }
    char buf[256];
    for (uint32_t t = 0; t < g->ntypes; t++)
        tk[t] = g->reader ? graph_cycle_type_kind(graph_type_name(g->reader, t, buf, sizeof buf)) : GRAPH_CK_DATA;
    for (uint32_t v = 0; v < g->n; v++) k[v] = g->type[v] < g->ntypes ? tk[g->type[v]] : GRAPH_CK_DATA;
    uint32_t mro = g->reader ? graph_string_find(g->reader, "__mro__") : HS_NONE;
    uint32_t dict = g->reader ? graph_string_find(g->reader, "__dict__") : HS_NONE;
    uint32_t proto = g->reader ? graph_string_find(g->reader, "prototype") : HS_NONE;
    uint32_t ctor = proto != HS_NONE ? graph_string_find(g->reader, "constructor") : HS_NONE;
    if (mro != HS_NONE || ctor != HS_NONE) /* classes: whatever their metaclass; JS classes */
        for (uint32_t v = 0; v < g->n; v++)
            for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
                if (!graph_is_strong(g->out_kind[e])) continue;
                if (string_label(g, e, mro)) {
                    k[v] = GRAPH_CK_STRUCT;
                    break;
                }
                /* a JS class: its prototype's constructor is itself; the prototype is its namespace */
                uint32_t pr = g->out_to[e];
                if (ctor != HS_NONE && pr != v && string_label(g, e, proto))
                    for (uint32_t f = g->out_off[pr]; f < g->out_off[pr + 1]; f++)
                        if (g->out_to[f] == v && graph_is_strong(g->out_kind[f]) && string_label(g, f, ctor)) {
                            k[v] = k[pr] = GRAPH_CK_STRUCT;
                            break;
                        }
            }
    if (dict != HS_NONE) { /* the namespaces of classes and modules (marked 4 first: not followed further) */
        for (uint32_t v = 0; v < g->n; v++) {
            if (k[v] != GRAPH_CK_STRUCT) continue;
            for (uint32_t e = g->out_off[v]; e < g->out_off[v + 1]; e++) {
                uint32_t w = g->out_to[e];
                if (k[w] != GRAPH_CK_STRUCT && graph_is_strong(g->out_kind[e]) && string_label(g, e, dict)) k[w] = 4;
            }
        }
        for (uint32_t v = 0; v < g->n; v++)
            if (k[v] == 4) k[v] = GRAPH_CK_STRUCT;
    }
    free(tk);
    *out = k;
    return GRAPH_OK;
}
