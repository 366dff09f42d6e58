/* SPDX-License-Identifier: MIT */
/*
 * analyze/graph/graph_names.c — graph_type_name(): the display name of a
 * type, "module.Name" (or "Name" without a module), from the reader's type
 * and string tables; "<type N>" when the type is unknown. Names keep their
 * bytes as the dump has them: printing escapes them (out/out_text.c).
 */
#include "graph/graph.h"

#include <stdio.h>

const char *graph_type_name(const hs_reader *r, uint32_t type_id, char *buf, size_t cap)
{
    const hs_type *t = r ? hs_reader_type(r, type_id) : NULL;
    if (!t) {
        snprintf(buf, cap, "<type %u>", type_id);
        return buf;
    }
    size_t nlen = 0, mlen = 0;
    const char *name = hs_reader_string(r, t->name, &nlen);
    const char *mod = t->module == HS_NONE ? NULL : hs_reader_string(r, t->module, &mlen);
    if (!name) name = "", nlen = 0;
    if (mod && mlen) snprintf(buf, cap, "%.*s.%.*s", (int)mlen, mod, (int)nlen, name);
    else snprintf(buf, cap, "%.*s", (int)nlen, name);
    return buf;
}
