/* SPDX-License-Identifier: MIT */
/*
 * dump/heapsnap.h — the public C writer API of libheapsnap: open a snapshot,
 * declare types, allocation sites, blocks, references and roots in whatever
 * order the program finds natural, close. See docs/api.md.
 *
 * Ownership. An hs_writer owns everything it allocates; every string and
 * array argument is copied (or fully encoded) before the call returns, so
 * callers may free or reuse them at once. hs_writer_close() commits the file
 * and frees the writer; hs_writer_abort() discards the file and frees the
 * writer; both accept NULL. The pointer returned by hs_writer_error() is
 * owned by the writer and valid until its next call.
 *
 * Files. hs_writer_open() writes to a temporary file beside the target
 * (mode 0600) and renames it into place only when hs_writer_close()
 * succeeds, after fsync; a crash, a full disk or an abort never leaves a
 * file at the target path that looks complete.
 *
 * Errors. Every call returns an hs_status (HS_OK = 0). Argument errors
 * (HS_ERR_ARG: an undeclared type id, a NULL name) reject that one call and
 * leave the writer usable; I/O and compression errors are sticky: every
 * later call returns the same status and close reports it.
 *
 * Threads. No global state. One writer may be used by one thread at a time;
 * different writers are independent. The library never prints or exits.
 */
#ifndef HEAPSNAP_H
#define HEAPSNAP_H

#include "hs_format.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hs_writer hs_writer;

/* All fields optional: a zero-initialized struct (or NULL) means defaults. */
typedef struct hs_writer_options {
    const char *producer;         /* default "heapsnap-c" */
    const char *producer_version; /* default HS_LIB_VERSION_STRING */
    const char *runtime;          /* e.g. "MyVM 2.1"; default none */
    const char *hostname;         /* default none: hosts are not recorded unless given */
    uint64_t pid;                 /* default getpid() */
    int64_t time_us;              /* default now */
    uint32_t pointer_size;        /* default sizeof(void *) */
    const hs_tag *tags;           /* free-form header tags, copied */
    size_t ntags;
    int level;                    /* zstd level, default 3 */
    int no_fsync;                 /* skip fsync (tests, scratch files) */
    int threads;                  /* zstd worker threads; default 0: compress on the calling thread */
} hs_writer_options;

/* Open a snapshot to be written at `path`. On failure *out is NULL and, if
 * `err` is given, it describes the problem. */
hs_status hs_writer_open(const char *path, const hs_writer_options *opt, hs_writer **out /* OUT */,
                         hs_error *err /* OUT, may be NULL */);
/* Open a writer that sends the file's bytes to `sink` (no temp file). */
hs_status hs_writer_open_sink(hs_sink_fn sink, void *ud, const hs_writer_options *opt,
                              hs_writer **out /* OUT */);

const hs_error *hs_writer_error(const hs_writer *w);

/* Intern a string (label, name); equal strings get the same id. */
hs_status hs_writer_intern(hs_writer *w, const char *s, size_t len, uint32_t *id /* OUT */);

/* Declare a type. `module` may be NULL. Flags: HS_TYPE_*. */
hs_status hs_writer_add_type(hs_writer *w, const char *name, const char *module, uint32_t flags,
                             uint32_t *type_id /* OUT */);
/* Declare a frame (function and file may be NULL) and a site: a chain of
 * frames, innermost first. */
hs_status hs_writer_add_frame(hs_writer *w, const char *function, const char *file, uint32_t line,
                              uint32_t *frame_id /* OUT */);
hs_status hs_writer_add_site(hs_writer *w, const uint32_t *frames, uint32_t nframes,
                             uint32_t *site_id /* OUT */);

/* Declare a block: its address (or any unique 64-bit id), shallow size,
 * type, flags (HS_BLOCK_*) and site (or HS_NONE). Each address must be
 * declared once; the analyzer reports duplicates. */
hs_status hs_writer_add_block(hs_writer *w, uint64_t addr, uint64_t size, uint32_t type_id,
                              uint32_t flags, uint32_t site_id);

/* Declare a reference from block `from` to block `to`, before or after
 * either block is declared. `label` (attribute, key, variable) may be NULL. */
hs_status hs_writer_add_ref(hs_writer *w, uint64_t from, uint64_t to, hs_ref_kind kind,
                            const char *label);
/* The same, labeled with an index (list item, array slot). */
hs_status hs_writer_add_ref_index(hs_writer *w, uint64_t from, uint64_t to, hs_ref_kind kind,
                                  uint64_t index);
/* The same, labeled with an interned string id (HS_NONE for no label). */
hs_status hs_writer_add_ref_sid(hs_writer *w, uint64_t from, uint64_t to, hs_ref_kind kind,
                                uint32_t label_id);

/* Declare a root: block `addr` is held by something outside the graph.
 * `name` may be NULL; `count` is the surplus reference count for
 * HS_ROOT_EXTERNAL roots, 0 otherwise. */
hs_status hs_writer_add_root(hs_writer *w, uint64_t addr, hs_root_kind kind, const char *name,
                             uint64_t count);

/* Optional value previews (off unless a producer is asked for them). A
 * text/bytes preview of `len` bytes from a value of `full_len` bytes. */
hs_status hs_writer_add_value_text(hs_writer *w, uint64_t addr, const char *s, size_t len,
                                   uint64_t full_len);
hs_status hs_writer_add_value_bytes(hs_writer *w, uint64_t addr, const void *p, size_t len,
                                    uint64_t full_len);
hs_status hs_writer_add_value_int(hs_writer *w, uint64_t addr, int64_t v);
hs_status hs_writer_add_value_float(hs_writer *w, uint64_t addr, double v);

/* A tag for the trailer, known only at the end (e.g. "partial"). */
hs_status hs_writer_set_end_tag(hs_writer *w, const char *key, const char *value);

/* Items written to the stream so far. The block declared last and the
 * references still buffered count once they are flushed (by the next block,
 * by a reference of another holder, or by close). */
const hs_counts *hs_writer_counts(const hs_writer *w);

/* Finish the snapshot, commit it (fsync, rename into place) and free the
 * writer. On failure nothing is left at the target path; `err`, if given,
 * receives the error. */
hs_status hs_writer_close(hs_writer *w, hs_error *err /* OUT, may be NULL */);
/* Discard everything written and free the writer. */
void hs_writer_abort(hs_writer *w);

#ifdef __cplusplus
}
#endif
#endif /* HEAPSNAP_H */
