/* SPDX-License-Identifier: MIT */
/*
 * analyze/load/load_file.c — graph_load_file(): read a snapshot with the
 * validating reader and feed its blocks, references and roots to the graph
 * builder (graph_csr.c). The reader stays open inside the graph for its
 * type and string tables. A block address declared twice is bad input:
 * the error names the address and the record. See docs/analyzer.md#graph.
 * A V8 heap snapshot (a file starting with '{') goes to graph_load_v8()
 * (load_v8.c), see docs/v8.md. One pass over the records; iterative, no recursion.
 */
#define _POSIX_C_SOURCE 200809L
#include "load/load.h"
#include "v8/v8_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static graph_status builder_fail(graph_builder *b, graph_status st, const hs_record *rec, graph_load_error *err)
{
    switch (st) {
    case GRAPH_ERR_DUPLICATE:
        /* the duplicate is found when its batch is resolved: name the address, not a record */
        snprintf(err->message, sizeof err->message, "duplicate block address 0x%llx (declared twice)",
                 (unsigned long long)graph_builder_dup_addr(b));
        break;
    case GRAPH_ERR_LIMIT:
        snprintf(err->message, sizeof err->message,
                 "too many blocks or references for 32-bit indices in record %llu",
                 (unsigned long long)(rec ? rec->index : 0));
        break;
    default:
        snprintf(err->message, sizeof err->message, "out of memory building the graph");
        break;
    }
    return st;
}

graph_status graph_load_file(const char *path, graph *g, const graph_progress *p, graph_load_error *err)
{
    return graph_load_file_ex(path, g, p, 0, err);
}

graph_status graph_load_file_ex(const char *path, graph *g, const graph_progress *p, unsigned flags,
                                graph_load_error *err)
{
    err->message[0] = 0;
    err->reader_status = HS_OK;
    if (v8_file_detect(path)) return graph_load_v8(path, g, p, flags, err);
    hs_reader *r = NULL;
    hs_status hst = load_open_reader(path, &r);
    graph_builder *b = graph_builder_new();
    if (!r || !b) {
        hs_reader_close(r);
        graph_builder_free(b);
        snprintf(err->message, sizeof err->message, "out of memory");
        return GRAPH_ERR_NOMEM;
    }
    hs_record rec;
    graph_status st = GRAPH_OK;
    uint64_t nrec = 0, fsize = hs_reader_file_size(r);
    while (hst == HS_OK && (hst = hs_reader_next(r, &rec)) == HS_OK) {
        if ((++nrec & 0xFFFF) == 0) {
            /* compressed bytes consumed are not exposed: the decompressed size is a fair proxy */
            uint64_t done = hs_reader_stream_size(r);
            graph_tick(p, "loading", done, 0);
            (void)fsize;
        }
        switch (rec.kind) {
        case HS_REC_BLOCK:
            st = graph_builder_block(b, rec.u.block.addr, rec.u.block.size, rec.u.block.type, rec.u.block.flags);
            if (!st && rec.u.block.nrefs)
                st = graph_builder_refs(b, rec.u.block.addr, rec.u.block.refs, rec.u.block.nrefs);
            break;
        case HS_REC_REFS:
            st = graph_builder_refs(b, rec.u.refs.from, rec.u.refs.refs, rec.u.refs.nrefs);
            break;
        case HS_REC_ROOT:
            st = graph_builder_root(b, rec.u.root.addr, rec.u.root.kind, rec.u.root.name, rec.u.root.count);
            break;
        default:
            break;
        }
        if (st) {
            builder_fail(b, st, &rec, err);
            graph_builder_free(b);
            hs_reader_close(r);
            return st;
        }
    }
    if (hst != HS_END) {
        const char *m = hs_reader_error(r)->message;
        snprintf(err->message, sizeof err->message, "%s", *m ? m : hs_strerror(hst));
        err->reader_status = hst;
        graph_builder_free(b);
        hs_reader_close(r);
        return GRAPH_ERR_INPUT;
    }
    graph_tick(p, "indexing", 0, 0);
    st = graph_builder_finish(b, g);
    if (st) {
        builder_fail(b, st, NULL, err);
        graph_builder_free(b);
        hs_reader_close(r);
        return st;
    }
    graph_builder_free(b);
    g->reader = r;
    g->file_bytes = hs_reader_file_size(r);
    if (hs_reader_type_count(r) > g->ntypes) g->ntypes = hs_reader_type_count(r);
    graph_tick(p, NULL, 0, 0);
    return GRAPH_OK;
}
