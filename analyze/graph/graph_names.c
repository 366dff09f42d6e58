/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph_names.c — graph_type_name(): the display name of a
 * type, "module.Name" (or "Name" without a module), from the reader's type
 * and string tables; "<type N>" when the type is unknown; and
 * graph_name_put(), which copies a counted name into a C string with each
 * NUL carried as C0 80. Names keep their bytes as the dump has them
 * otherwise: printing escapes them (out/out_text.c).
 */
#include "graph/graph.h"

#include <string.h>

#include <stdio.h>

size_t graph_name_put(char *buf, size_t cap, const char *s, size_t len)
{
    size_t o = 0;
    if (!cap) return 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i]) {
            if (o + 1 >= cap) break;
            buf[o++] = s[i];
        } else {
            if (o + 2 >= cap) break;
            buf[o++] = (char)GRAPH_NUL_0;
            buf[o++] = (char)GRAPH_NUL_1;
        }
    }
    buf[o] = 0;
    return o;
}

const char *graph_type_name(const hs_reader *r, uint32_t type_id, char *buf, size_t cap)
{
    const hs_type *t = r ? hs_reader_type(r, type_id) : NULL;
    if (!t) {
        snprintf(buf, cap, "<type %u>", type_id);
        return buf;
    }
    size_t nlen = 0, mlen = 0, o = 0;
    const char *name = hs_reader_string(r, t->name, &nlen);
    const char *mod = t->module == HS_NONE ? NULL : hs_reader_string(r, t->module, &mlen);
    if (!name) name = "", nlen = 0;
    if (!cap) return buf;
    if (mod && mlen) {
        o = graph_name_put(buf, cap, mod, mlen);
        if (o + 1 < cap) buf[o++] = '.';
        buf[o] = 0;
    }
    graph_name_put(buf + o, cap - o, name, nlen);
    return buf;
}

/* ---- kinds of types, by name ---- */
static const char *base_name(const char *type)
{
    const char *dot = strrchr(type, '.');
    return dot ? dot + 1 : type;
}

bool graph_type_is_mapping(const char *type)
{
    const char *b = base_name(type);
    return strstr(b, "dict") || strstr(b, "Dict") || !strcmp(b, "Counter") || !strcmp(b, "ChainMap");
}

bool graph_type_is_container(const char *type)
{
    const char *b = base_name(type);
    return graph_type_is_mapping(type) || !strcmp(b, "list") || !strcmp(b, "tuple") || !strcmp(b, "set") ||
           !strcmp(b, "frozenset") || !strcmp(b, "deque") || strstr(b, "Array") || !strcmp(b, "(array)");
}

bool graph_type_is_program(const char *type)
{
    return strchr(type, '.') && strncmp(type, "builtins.", 9) && strncmp(type, "cpython.", 8) && type[0] != '<';
}
