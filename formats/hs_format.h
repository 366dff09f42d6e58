/* SPDX-License-Identifier: MIT */
/*
 * formats/hs_format.h — public API of the .hsnap codec: status codes, the
 * streaming encoder (hs_encoder_*) and the validating pull reader
 * (hs_reader_*), and atomic private output files (hs_outfile_*) for every
 * file the library and the heapsnap command write. Implements
 * docs/format.md, version 1.
 *
 * Ownership. Every handle owns its memory; nothing here uses global state.
 * Inputs are copied (or fully consumed) before a call returns. Pointers that
 * the reader hands out (record views, strings, the header, the last error)
 * are owned by the reader: record views, and pointers from the table
 * accessors (hs_reader_string/type/frame/site), stay valid until the next
 * hs_reader_next() call — the tables grow as records arrive — and, once
 * hs_reader_next() has returned HS_END, until hs_reader_close(). Ids are
 * stable. The header and the error are valid until hs_reader_close().
 * hs_*_close(NULL) and hs_*_free(NULL) are no-ops.
 *
 * Threads. A handle may be used by one thread at a time; distinct handles
 * are independent. The library never prints and never exits.
 */
#ifndef HS_FORMAT_H
#define HS_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HS_FORMAT_VERSION_MAJOR 1
#define HS_FORMAT_VERSION_MINOR 0
#define HS_LIB_VERSION_STRING "0.1.0"
#define HS_LIB_VERSION_NUMBER 100 /* major*10000 + minor*100 + patch */

/* Runtime version of the library, for comparing with HS_LIB_VERSION_NUMBER. */
unsigned hs_version_number(void);

/* ---- Status codes ----------------------------------------------------
 * Values are stable: they are never renumbered; new codes are appended. */
typedef enum hs_status {
    HS_OK = 0,
    HS_END = 1,             /* hs_reader_next: no more records (not an error) */
    HS_ERR_NOMEM = 2,       /* an allocation failed */
    HS_ERR_IO = 3,          /* open/read/write/fsync/rename failed (errno in message) */
    HS_ERR_ARG = 4,         /* invalid argument from the caller */
    HS_ERR_STATE = 5,       /* call not valid in the handle's current state */
    HS_ERR_MAGIC = 6,       /* not an .hsnap file */
    HS_ERR_VERSION = 7,     /* unsupported format major version */
    HS_ERR_TRUNCATED = 8,   /* input ends early */
    HS_ERR_ZSTD = 9,        /* compressed stream is corrupt */
    HS_ERR_CBOR = 10,       /* malformed CBOR item */
    HS_ERR_RECORD = 11,     /* well-formed CBOR, but not a valid record */
    HS_ERR_UNDECLARED = 12, /* reference to an undeclared string/type/frame/site */
    HS_ERR_COUNT = 13,      /* trailer counts disagree with the records read */
    HS_ERR_CHECKSUM = 14,   /* trailer or zstd checksum mismatch */
    HS_ERR_LIMIT = 15,      /* a size or count exceeds a configured limit */
    HS_ERR_TRAILING = 16    /* data after the end of the snapshot */
} hs_status;

/* Static, human-readable name of a status ("truncated input", ...). */
const char *hs_strerror(hs_status code);

/* XXH64 of `len` bytes with `seed`: the function of the trailer checksum
 * (docs/format.md), for other files of the tool to check their own bytes
 * (the analyzer's index, docs/analyzer.md#index). */
uint64_t hs_checksum64(const void *data, size_t len, uint64_t seed);

/* Detailed error kept by each handle; valid until the handle's next call. */
#define HS_ERROR_MESSAGE_MAX 320
typedef struct hs_error {
    hs_status code;
    uint64_t byte_offset;   /* offset in the .hsnap file (compressed bytes) */
    uint64_t stream_offset; /* offset in the decompressed record stream */
    uint64_t record_index;  /* 0-based index of the record being processed */
    char message[HS_ERROR_MESSAGE_MAX]; /* one line, no trailing newline */
} hs_error;

/* ---- Model ------------------------------------------------------------ */
#define HS_NONE UINT32_MAX /* "no string / no module / no site" */

typedef enum hs_ref_kind {
    HS_REF_STRONG = 0, /* retains its target */
    HS_REF_WEAK = 1,   /* never retains */
    HS_REF_OTHER = 2   /* informational; does not retain */
} hs_ref_kind;

typedef enum hs_label_type {
    HS_LABEL_NONE = 0,
    HS_LABEL_STRING = 1, /* value is a string id */
    HS_LABEL_INDEX = 2   /* value is an index (list/tuple item, array slot) */
} hs_label_type;

typedef enum hs_root_kind {
    HS_ROOT_OTHER = 0,
    HS_ROOT_GLOBAL = 1,   /* module, global variable */
    HS_ROOT_STACK = 2,    /* thread stack, frame locals */
    HS_ROOT_EXTERNAL = 3, /* held from outside the visible graph; count = surplus */
    HS_ROOT_RUNTIME = 4   /* interpreter internals: interned, immortal, builtins */
} hs_root_kind;

/* Block flags (bits); unknown bits are preserved. */
#define HS_BLOCK_GC_TRACKED 0x1u
#define HS_BLOCK_FINALIZER 0x2u
#define HS_BLOCK_UNCOLLECTABLE 0x4u
#define HS_BLOCK_IMMORTAL 0x8u
/* Type flags (bits). */
#define HS_TYPE_CONTAINER 0x1u
#define HS_TYPE_FINALIZER 0x2u

typedef struct hs_ref {
    uint64_t to;        /* address/id of the target block */
    uint64_t label;     /* string id or index, per label_type */
    uint8_t kind;       /* hs_ref_kind; unknown values mean "other" */
    uint8_t label_type; /* hs_label_type */
} hs_ref;

typedef struct hs_tag {
    const char *key;
    const char *value;
} hs_tag;

typedef struct hs_header {
    const char *producer;         /* required, e.g. "heapsnap-c" */
    const char *producer_version; /* may be NULL */
    const char *runtime;          /* may be NULL, e.g. "CPython 3.11.7" */
    uint64_t pid;
    int64_t time_us;              /* microseconds since the Unix epoch */
    uint32_t pointer_size;        /* bytes; 0 = unknown */
    const char *hostname;         /* may be NULL */
    const hs_tag *tags;
    size_t ntags;
    /* Filled by the reader from the file's prefix; ignored by the encoder. */
    uint32_t version_major, version_minor;
} hs_header;

typedef struct hs_type {
    uint32_t name;   /* string id */
    uint32_t module; /* string id or HS_NONE */
    uint32_t flags;
} hs_type;

typedef struct hs_frame {
    uint32_t function; /* string id or HS_NONE */
    uint32_t file;     /* string id or HS_NONE */
    uint32_t line;
} hs_frame;

/* Per-kind item counts, as the trailer records them. */
typedef struct hs_counts {
    uint64_t strings, types, frames, sites, blocks, refs, roots, values;
} hs_counts;

typedef enum hs_value_type {
    HS_VALUE_TEXT = 0,
    HS_VALUE_BYTES = 1,
    HS_VALUE_INT = 2,
    HS_VALUE_FLOAT = 3
} hs_value_type;

/* ---- Records returned by the reader ------------------------------------ */
typedef enum hs_record_kind {
    HS_REC_HEADER = 0,
    HS_REC_STRING = 1,
    HS_REC_TYPE = 2,
    HS_REC_FRAME = 3,
    HS_REC_SITE = 4,
    HS_REC_BLOCK = 5,
    HS_REC_REFS = 6,
    HS_REC_ROOT = 7,
    HS_REC_VALUE = 8,
    HS_REC_TRAILER = 23
} hs_record_kind;

typedef struct hs_record {
    hs_record_kind kind;
    uint64_t index; /* ordinal of the file record this view came from */
    union {
        const hs_header *header;
        struct { uint32_t id; const char *text; size_t len; } string;
        struct { uint32_t id; hs_type type; } type;
        struct { uint32_t id; hs_frame frame; } frame;
        struct { uint32_t id; const uint32_t *frames; uint32_t nframes; } site;
        /* A block's references may continue in HS_REC_REFS records whose
         * `from` is this block's address (large blocks are delivered in
         * chunks so that memory stays bounded). */
        struct {
            uint64_t addr, size;
            uint32_t type, flags;
            uint32_t site; /* site id or HS_NONE */
            const hs_ref *refs;
            uint32_t nrefs;
        } block;
        struct { uint64_t from; const hs_ref *refs; uint32_t nrefs; } refs;
        struct { uint64_t addr; uint32_t kind; uint32_t name; uint64_t count; } root;
        struct {
            uint64_t addr;
            hs_value_type type;
            const void *data; size_t len; /* TEXT/BYTES: the preview */
            int64_t i; double f;          /* INT / FLOAT */
            uint64_t full_len;            /* TEXT/BYTES: length before truncation */
        } value;
        struct {
            hs_counts counts;
            uint64_t total_shallow;
            uint64_t checksum;
            const hs_tag *tags; size_t ntags; /* end tags (e.g. "partial") */
        } trailer;
    } u;
} hs_record;

/* ---- Reader ------------------------------------------------------------- */
typedef struct hs_reader hs_reader;

/* What the format allows a writer (docs/format.md#limits-reader-defaults):
 * the writer refuses a longer string, or more string and table bytes, at
 * the call, and readers accept these sizes by default. */
#define HS_MAX_STRING (16ull << 20)
#define HS_MAX_TABLES_TOTAL (1ull << 30)

typedef struct hs_reader_limits {
    uint64_t max_string;        /* longest single string/bytes item (default HS_MAX_STRING, 16 MiB) */
    uint64_t max_strings_total; /* sum of strings, tags and the type/frame/site tables, in bytes as
                                   docs/format.md counts them (default HS_MAX_TABLES_TOTAL, 1 GiB) */
    uint64_t max_site_frames;   /* longest site (default 4096 frames) */
    uint32_t max_ratio;         /* skipped (unknown or extra) decompressed bytes / compressed bytes,
                                   past ratio_grace (default 250; 0 = off) */
    uint64_t ratio_grace;       /* skipped bytes before max_ratio applies (default 64 MiB) */
    uint32_t window_log_max;    /* zstd window cap, log2 bytes (default 27) */
} hs_reader_limits;

void hs_reader_limits_default(hs_reader_limits *lim /* OUT */);

/* Open a snapshot file, or an in-memory image (copied). `lim` may be NULL.
 * On success *out is a reader positioned before the first record. On
 * failure *out is still set when memory allowed (so hs_reader_error() can
 * describe the problem) and must be closed; it is NULL only on HS_ERR_NOMEM. */
hs_status hs_reader_open(const char *path, const hs_reader_limits *lim,
                         hs_reader **out /* OUT */);
hs_status hs_reader_open_mem(const void *data, size_t size, const char *name,
                             const hs_reader_limits *lim, hs_reader **out /* OUT */);

/* Decode the next record into *rec. Returns HS_OK, HS_END after the trailer
 * has been read and every integrity check passed, or an error (sticky: every
 * later call returns it again). */
hs_status hs_reader_next(hs_reader *r, hs_record *rec /* OUT */);

const hs_error *hs_reader_error(const hs_reader *r);
const hs_header *hs_reader_header(const hs_reader *r); /* NULL before the header */
/* Tables declared so far. Out-of-range ids give NULL. Pointers are valid
 * until the next hs_reader_next() call (after HS_END: until close). */
const char *hs_reader_string(const hs_reader *r, uint32_t id, size_t *len /* OUT, may be NULL */);
uint32_t hs_reader_string_count(const hs_reader *r);
const hs_type *hs_reader_type(const hs_reader *r, uint32_t id);
uint32_t hs_reader_type_count(const hs_reader *r);
const hs_frame *hs_reader_frame(const hs_reader *r, uint32_t id);
uint32_t hs_reader_frame_count(const hs_reader *r);
const uint32_t *hs_reader_site(const hs_reader *r, uint32_t id, uint32_t *nframes /* OUT */);
uint32_t hs_reader_site_count(const hs_reader *r);
/* Items decoded so far (equal to the trailer's counts once HS_END is returned). */
const hs_counts *hs_reader_counts(const hs_reader *r);
uint64_t hs_reader_total_shallow(const hs_reader *r);
uint64_t hs_reader_file_size(const hs_reader *r);
uint64_t hs_reader_stream_size(const hs_reader *r); /* decompressed bytes so far */
void hs_reader_close(hs_reader *r);

/* ---- Encoder -------------------------------------------------------------
 * Record-level serializer: the caller emits records in file order (header
 * first; ids are assigned sequentially per kind) and the encoder compresses
 * them through a sink. dump/heapsnap.h builds the friendly writer on top. */
typedef hs_status (*hs_sink_fn)(void *ud, const void *data, size_t len);

typedef struct hs_encoder hs_encoder;

typedef struct hs_encoder_options {
    int level;            /* zstd level; 0 means the default (3) */
    int threads;          /* zstd worker threads; 0 = compress on the caller's thread */
} hs_encoder_options;

hs_status hs_encoder_new(const hs_encoder_options *opt /* may be NULL */,
                         hs_sink_fn sink, void *sink_ud, hs_encoder **out /* OUT */);
const hs_error *hs_encoder_error(const hs_encoder *e);
hs_status hs_encoder_header(hs_encoder *e, const hs_header *h);
hs_status hs_encoder_string(hs_encoder *e, const char *text, size_t len, uint32_t *id /* OUT */);
hs_status hs_encoder_type(hs_encoder *e, const hs_type *t, uint32_t *id /* OUT */);
hs_status hs_encoder_frame(hs_encoder *e, const hs_frame *f, uint32_t *id /* OUT */);
hs_status hs_encoder_site(hs_encoder *e, const uint32_t *frames, uint32_t n, uint32_t *id /* OUT */);
hs_status hs_encoder_block(hs_encoder *e, uint64_t addr, uint64_t size, uint32_t type,
                           uint32_t flags, uint32_t site, const hs_ref *refs, uint32_t nrefs);
hs_status hs_encoder_refs(hs_encoder *e, uint64_t from, const hs_ref *refs, uint32_t nrefs);
hs_status hs_encoder_root(hs_encoder *e, uint64_t addr, hs_root_kind kind, uint32_t name,
                          uint64_t count);
hs_status hs_encoder_value(hs_encoder *e, uint64_t addr, hs_value_type type, const void *data,
                           size_t len, uint64_t full_len, int64_t i, double f);
/* Write the trailer (with `tags` as end tags) and flush everything to the sink. */
hs_status hs_encoder_finish(hs_encoder *e, const hs_tag *tags, size_t ntags);
const hs_counts *hs_encoder_counts(const hs_encoder *e);
uint64_t hs_encoder_bytes_in(const hs_encoder *e);  /* CBOR bytes so far */
uint64_t hs_encoder_bytes_out(const hs_encoder *e); /* file bytes so far */
void hs_encoder_free(hs_encoder *e);

/* ---- Atomic output files -------------------------------------------------
 * The one safe way heapsnap writes a file (the C writer and every output of
 * the heapsnap command). hs_outfile_open() creates a temporary file beside
 * `path`, ".<name>.tmp-<16 random hex digits>", with O_CREAT|O_EXCL|
 * O_NOFOLLOW and `mode` (0 means 0600; the umask still applies), so a link
 * planted in the folder is never followed and the contents stay private.
 * Write with hs_outfile_write() (an hs_sink_fn: `ud` is the hs_outfile) or
 * through hs_outfile_stream(), not both. hs_outfile_commit() flushes,
 * fsyncs, renames the file over `path` (a symlink at `path` is replaced,
 * never followed) and fsyncs the folder; on any failure, and on
 * hs_outfile_discard(), the temporary file is removed, so nothing that
 * looks complete appears at `path`. Both free the handle; discard(NULL) is
 * a no-op. Opening also removes this target's own stale temporary files
 * (regular, owned by the caller's user, unmodified for 24 hours) left by a
 * killed process. A write refused with EFBIG (`ulimit -f`) is an ordinary
 * HS_ERR_IO only if the process ignores SIGXFSZ, which the library never
 * changes. One thread at a time per handle. */
typedef struct hs_outfile hs_outfile;

#define HS_OUTFILE_NO_FSYNC 0x1u /* skip both fsyncs (tests, scratch files) */
#define HS_OUTFILE_NO_SWEEP 0x2u /* leave stale temporary files alone */

hs_status hs_outfile_open(const char *path, unsigned mode, unsigned flags, hs_outfile **out /* OUT */,
                          hs_error *err /* OUT, may be NULL */);
hs_status hs_outfile_write(void *ud, const void *data, size_t len);
/* A stdio stream on the temporary file, owned by the handle (do not fclose
 * it); NULL after a failure. Its write errors are reported by commit. */
FILE *hs_outfile_stream(hs_outfile *f);
/* The temporary file's path, owned by the handle (e.g. to hand to a program
 * that writes the final bytes itself). */
const char *hs_outfile_temp_path(const hs_outfile *f);
/* The error of the last failed write, or NULL; owned by the handle. */
const hs_error *hs_outfile_error(const hs_outfile *f);
hs_status hs_outfile_commit(hs_outfile *f, hs_error *err /* OUT, may be NULL */);
void hs_outfile_discard(hs_outfile *f);

/* File prefix: 10 magic bytes, then major and minor version bytes. */
#define HS_MAGIC "\x89HSNAP\r\n\x1a\n"
#define HS_MAGIC_LEN 10
#define HS_PREFIX_LEN 12

#ifdef __cplusplus
}
#endif
#endif /* HS_FORMAT_H */
