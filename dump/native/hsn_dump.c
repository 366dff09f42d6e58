/* SPDX-License-Identifier: MIT */
/*
 * dump/native/hsn_dump.c — the native snapshot: every live malloc block,
 * the conservative references between them, and the roots, streamed
 * through the public writer API (dump/heapsnap.h). See
 * docs/native.md#the-snapshot.
 *
 * Steps, in this order because of what may wait for what:
 *  1. world running: list the loaded objects (dl_iterate_phdr: their
 *     writable segments are the global roots), mark the sites in use and
 *     symbolize their frames (dladdr, libdw), open the output file;
 *  2. take every table lock, then stop the other threads (hsn_stop.c);
 *  3. copy the table into an array sorted by address (LSD radix sort);
 *  4. declare frames, sites and types (the name the program gave with
 *     heapsnap_native_type(), else the innermost frame that is not a malloc
 *     wrapper names the type), then every block in address order
 *     with its references: each aligned word of the block that points into
 *     a live block, found through a bucket index, 64 blocks at a time in
 *     prefetching stages; a word that points past the start is an interior
 *     reference, labelled "interior";
 *  5. the roots as size-0 pseudo-blocks ("[data] libfoo.so", "[stack]
 *     thread N", "[registers] thread N", "[tls] thread N") whose
 *     references are found the same way, each declared a root;
 *  6. resume the threads, release the locks, then commit the file.
 * Memory for the scan: 16 bytes a block for the sorted array, 16 for the
 * sort's scratch (then the bucket index) and 4 bytes a block of per-holder
 * marks that drop repeated references, all mmap'd and unmapped at the end; the writer's own buffers
 * are bounded (docs/api.md). Everything the dumping thread allocates comes
 * from the private arena (hsn_arena.c).
 *
 * glibc's malloc keeps pointers to free chunks in its main_arena (libc's
 * data segment); a chunk header sits in the last 8 bytes of the previous
 * chunk's usable size, so such a pointer can look like an interior pointer
 * into a live block. Interior references from libc's own segment that hit
 * exactly that word are therefore dropped.
 */
#define _GNU_SOURCE
#include "hsn_internal.h"

#include "heapsnap.h"

#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

atomic_int hsn_dumps_done;
extern atomic_int hsn_tables_held;
extern pid_t hsn_bg_tid;
static hsn_lock dump_lock;

/* ---- a bump pool for what lives as long as one dump ---- */
typedef struct chunk { struct chunk *next; size_t used, cap; } chunk;
static chunk *dpool; /* freed at the end of each dump */
static chunk *spool; /* symbol names: kept for the next dump */

static void *palloc_in(chunk **pp, size_t n)
{
    chunk *pool = *pp;
    n = (n + 15) & ~(size_t)15;
    if (!pool || pool->used + n > pool->cap) {
        size_t cap = n > (1u << 20) ? n : (1u << 20);
        chunk *c = hsn_arena_alloc(sizeof(chunk) + 16 + cap, 16);
        if (!c) return NULL;
        c->next = pool;
        c->used = 0;
        c->cap = cap;
        pool = *pp = c;
    }
    void *p = (char *)pool + sizeof(chunk) + 16 + pool->used;
    pool->used += n;
    return p;
}

static void *palloc(size_t n) { return palloc_in(&dpool, n); }

static char *pstrdup_in(chunk **pp, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = palloc_in(pp, n);
    if (d) memcpy(d, s, n);
    return d;
}

static char *pstrdup(const char *s) { return pstrdup_in(&dpool, s); }
static char *sstrdup(const char *s) { return pstrdup_in(&spool, s); }

static void dpool_release(void)
{
    while (dpool) {
        chunk *n = dpool->next;
        hsn_arena_free(dpool);
        dpool = n;
    }
}

static long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* ---- loaded objects ---- */
#define MOD_SEGS 8
typedef struct mod {
    char *path;
    uint64_t lo, hi; /* all PT_LOAD segments */
    int nseg, is_libc, is_self;
    uint64_t seg_lo[MOD_SEGS], seg_hi[MOD_SEGS];
    int64_t tls_off;   /* its static TLS block: thread pointer + tls_off, tls_size bytes (0: none) */
    uint64_t tls_size;
} mod;

typedef struct mods { mod *v; size_t n, cap; } mods;

static int mods_cb(struct dl_phdr_info *info, size_t size, void *ud)
{
    (void)size;
    mods *m = ud;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        mod *v = palloc(cap * sizeof *v);
        if (!v) return 1;
        if (m->n) memcpy(v, m->v, m->n * sizeof *v);
        m->v = v;
        m->cap = cap;
    }
    mod *d = &m->v[m->n];
    memset(d, 0, sizeof *d);
    char exe[256];
    const char *name = info->dlpi_name;
    if (!name || !*name) {
        ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[k > 0 ? k : 0] = 0;
        name = exe;
    }
    d->path = pstrdup(name);
    if (!d->path) return 1;
    d->lo = UINT64_MAX;
    uint64_t tp;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(tp));
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_TLS && info->dlpi_tls_data && ph->p_memsz) {
            d->tls_off = (int64_t)((uint64_t)(uintptr_t)info->dlpi_tls_data - tp);
            d->tls_size = ph->p_memsz;
        }
        if (ph->p_type != PT_LOAD) continue;
        uint64_t lo = info->dlpi_addr + ph->p_vaddr, hi = lo + ph->p_memsz;
        if (lo < d->lo) d->lo = lo;
        if (hi > d->hi) d->hi = hi;
        if ((ph->p_flags & PF_W) && d->nseg < MOD_SEGS) {
            d->seg_lo[d->nseg] = lo & ~(uint64_t)7;
            d->seg_hi[d->nseg] = hi;
            if ((uint64_t)(uintptr_t)&dump_lock >= lo && (uint64_t)(uintptr_t)&dump_lock < hi) d->is_self = 1;
            d->nseg++;
        }
    }
    d->is_libc = strncmp(base_name(d->path), "libc.so", 7) == 0;
    m->n++;
    return 0;
}

static const mod *mod_of(const mods *m, uint64_t pc)
{
    for (size_t i = 0; i < m->n; i++)
        if (pc >= m->v[i].lo && pc < m->v[i].hi) return &m->v[i];
    return NULL;
}

/* ---- symbols of return addresses, pc -> record (open addressing) ---- */
typedef struct symrec {
    uint64_t pc;
    const char *function, *file, *module;
    uint32_t line;
    uint32_t frame_id; /* writer frame id in this dump, HS_NONE until declared */
    int late;          /* named while the world was stopped: symbolize at the next dump */
} symrec;
typedef struct symtab { symrec *v; size_t mask, n; } symtab;
static symtab syms; /* kept across dumps: each address is symbolized once */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

static symrec *sym_slot(symtab *t, uint64_t pc)
{
    if (!t->v || (t->n + 1) * 2 > t->mask + 1) {
        size_t cap = t->v ? (t->mask + 1) * 2 : 4096;
        symrec *v = hsn_arena_alloc(cap * sizeof *v, 16);
        if (!v) return NULL;
        memset(v, 0, cap * sizeof *v);
        for (size_t i = 0; t->v && i <= t->mask; i++) {
            if (!t->v[i].pc) continue;
            size_t j = mix64(t->v[i].pc) & (cap - 1);
            while (v[j].pc) j = (j + 1) & (cap - 1);
            v[j] = t->v[i];
        }
        if (t->v) hsn_arena_free(t->v);
        t->v = v;
        t->mask = cap - 1;
    }
    size_t j = mix64(pc) & t->mask;
    while (t->v[j].pc && t->v[j].pc != pc) j = (j + 1) & t->mask;
    return &t->v[j];
}

static void sym_add(symtab *t, uint64_t pc, const mods *m, int resolve)
{
    symrec *r = sym_slot(t, pc);
    if (!r || (r->pc && !(resolve && r->late))) return;
    if (!r->pc) t->n++;
    r->pc = pc;
    r->frame_id = HS_NONE;
    r->late = !resolve;
    r->file = NULL;
    r->line = 0;
    hsn_sym s;
    if (resolve && hsn_cfg.symbolize && hsn_symbolize(pc, &s)) {
        r->function = sstrdup(s.function);
        r->file = s.file[0] ? sstrdup(s.file) : NULL;
        r->module = s.module[0] ? sstrdup(s.module) : NULL;
        r->line = s.line;
        return;
    }
    /* no symbol (or the world is stopped): module+offset */
    const mod *md = mod_of(m, pc);
    char buf[320];
    if (md) snprintf(buf, sizeof buf, "%s+0x%llx", base_name(md->path), (unsigned long long)(pc - md->lo));
    else snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)pc);
    r->function = sstrdup(buf);
    r->module = md ? sstrdup(md->path) : NULL;
    if (resolve && hsn_cfg.symbolize) {
        r->file = s.file[0] ? sstrdup(s.file) : NULL;
        r->line = s.line;
    }
}

/* ---- malloc wrappers: frames that do not name the type ---- */
static const char *const default_wrappers[] = {
    "operator new*", "operator delete*", "strdup", "strndup", "__strdup", "__strndup", "wcsdup", "xmalloc",
    "xcalloc", "xrealloc", "xstrdup", "xstrndup", "xmemdup", "g_malloc*", "g_realloc*", "g_try_malloc*",
    "g_strdup*", "g_memdup*", "reallocarray", "asprintf", "vasprintf", "__asprintf", "__vasprintf",
    "std::__new_allocator<*", "__gnu_cxx::new_allocator<*", "std::allocator_traits<*", "std::allocator<*",
    "std::_Vector_base<*::_M_allocate*", "std::__cxx11::basic_string<*::_M_create*", "_Znw*", "_Zna*", NULL};

static int name_match(const char *name, const char *pat, size_t plen)
{
    if (plen && pat[plen - 1] == '*') return strncmp(name, pat, plen - 1) == 0;
    return strlen(name) == plen && strncmp(name, pat, plen) == 0;
}

static int is_wrapper(const char *fn)
{
    if (!fn || !*fn) return 0;
    for (int i = 0; default_wrappers[i]; i++)
        if (name_match(fn, default_wrappers[i], strlen(default_wrappers[i]))) return 1;
    for (const char *p = hsn_cfg.wrappers; *p;) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n && name_match(fn, p, n)) return 1;
        p += n + (e ? 1 : 0);
    }
    return 0;
}

/* ---- types: name + module -> writer type id ---- */
typedef struct typerec { uint64_t hash; const char *name, *module; uint32_t id; } typerec;
typedef struct typetab { typerec *v; size_t mask, n; } typetab;

static uint64_t str_hash(const char *s, uint64_t h)
{
    for (; s && *s; s++) h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

static int type_get(hs_writer *w, typetab *t, const char *name, const char *module, uint32_t *id)
{
    if (!t->v || (t->n + 1) * 2 > t->mask + 1) {
        size_t cap = t->v ? (t->mask + 1) * 2 : 1024;
        typerec *v = hsn_arena_alloc(cap * sizeof *v, 16);
        if (!v) return HS_ERR_NOMEM;
        memset(v, 0, cap * sizeof *v);
        for (size_t i = 0; t->v && i <= t->mask; i++) {
            if (!t->v[i].name) continue;
            size_t j = t->v[i].hash & (cap - 1);
            while (v[j].name) j = (j + 1) & (cap - 1);
            v[j] = t->v[i];
        }
        if (t->v) hsn_arena_free(t->v);
        t->v = v;
        t->mask = cap - 1;
    }
    uint64_t h = str_hash(module, str_hash(name, 0xcbf29ce484222325ull) ^ 0x2f);
    size_t j = h & t->mask;
    for (; t->v[j].name; j = (j + 1) & t->mask) {
        typerec *r = &t->v[j];
        if (r->hash == h && strcmp(r->name, name) == 0 &&
            ((!r->module && !module) || (r->module && module && strcmp(r->module, module) == 0))) {
            *id = r->id;
            return HS_OK;
        }
    }
    int st = hs_writer_add_type(w, name, module, HS_TYPE_CONTAINER, id);
    if (st != HS_OK) return st;
    t->v[j] = (typerec){h, pstrdup(name), module ? pstrdup(module) : NULL, *id};
    t->n++;
    return HS_OK;
}

/* ---- the sorted block array ---- */
typedef struct ctx {
    hs_writer *w;
    hsn_entry *b;
    size_t n;
    uint64_t lo, hi;     /* [first block, end of the last) */
    struct region *reg;  /* runs of blocks without a gap of 1 GiB, each with a bucket index */
    size_t nreg;
    struct cand *cand;   /* the candidate words of the blocks [chunk_s, chunk_e), in word order */
    uint32_t cand_first[65]; /* per block of the chunk: its first candidate */
    size_t chunk_s, chunk_e;
    int direct;          /* the chunk is one big block: scan it word by word */
    uint32_t *stamp;     /* per block: holder sequence << 2 | 1 start seen | 2 interior seen */
    uint32_t seq;
    uint32_t sid_interior;
    uint64_t nrefs, scanned;
    int st;
} ctx;

static void radix_sort(hsn_entry *a, hsn_entry *tmp, size_t n)
{
    for (int shift = 0; shift < 64; shift += 8) {
        size_t count[256] = {0};
        for (size_t i = 0; i < n; i++) count[(a[i].addr >> shift) & 255]++;
        int trivial = 0;
        for (int d = 0; d < 256; d++) trivial |= count[d] == n;
        if (trivial) continue;
        size_t pos = 0;
        for (int d = 0; d < 256; d++) {
            size_t c = count[d];
            count[d] = pos;
            pos += c;
        }
        for (size_t i = 0; i < n; i++) tmp[count[(a[i].addr >> shift) & 255]++] = a[i];
        memcpy(a, tmp, n * sizeof *a);
    }
}

static inline uint64_t blk_size(const ctx *c, size_t i)
{
    uint64_t s = hsn_meta_size(c->b[i].meta);
    return s == (1ull << HSN_SIZE_BITS) - 1 ? hsn_big_size(c->b[i].addr, c->b[i].meta) : s;
}

/* The index: blocks fall into regions (runs without a gap of 1 GiB: the brk
 * heap, the mmap area); each region is cut into power-of-two buckets, about
 * two a block, and bucket[k] is the first block at or after the bucket's
 * start. A lookup is a bucket read and one or two block entries: O(1), two
 * or three cache misses, and 4 bytes a block of memory (in the sort's
 * scratch array, free again by then). */
#define REG_GAP (1ull << 30)
#define REG_MAX 64
typedef struct region {
    uint64_t lo, hi;        /* first start, last end */
    uint32_t first, end;    /* block indices [first, end) */
    unsigned shift;
    uint32_t *bucket;       /* [(hi - lo) >> shift + 1] */
} region;

static int index_build(ctx *c, uint32_t *space, size_t space_n)
{
    static region regs[REG_MAX];
    size_t nreg = 0, used = 0;
    for (size_t i = 0; i < c->n;) {
        if (nreg == REG_MAX) return -1;
        region *r = &regs[nreg++];
        r->first = (uint32_t)i;
        r->lo = c->b[i].addr;
        r->hi = r->lo + (blk_size(c, i) ? blk_size(c, i) : 1);
        for (i++; i < c->n && c->b[i].addr < r->hi + REG_GAP; i++) {
            uint64_t e = c->b[i].addr + (blk_size(c, i) ? blk_size(c, i) : 1);
            if (e > r->hi) r->hi = e;
        }
        r->end = (uint32_t)i;
        uint64_t span = r->hi - r->lo, want = 2 * (uint64_t)(r->end - r->first) + 1;
        unsigned sh = 4;
        while ((span >> sh) + 1 > want) sh++;
        r->shift = sh;
        size_t nb = (size_t)(span >> sh) + 1;
        if (used + nb + 1 > space_n) return -1;
        r->bucket = space + used;
        used += nb + 1;
        uint32_t j = r->first;
        for (size_t k = 0; k <= nb; k++) {
            uint64_t at = r->lo + ((uint64_t)k << sh);
            while (j < r->end && c->b[j].addr < at) j++;
            r->bucket[k] = j;
        }
    }
    c->reg = regs;
    c->nreg = nreg;
    return 0;
}

/* Index of the block holding address v, or -1. */
static inline ptrdiff_t find_block(const ctx *c, uint64_t v)
{
    if (v < c->lo || v >= c->hi) return -1;
    const region *r = c->reg;
    size_t k = 0;
    while (k < c->nreg && v >= r[k].hi) k++;
    if (k == c->nreg || v < r[k].lo) return -1;
    r += k;
    size_t i = r->bucket[(v - r->lo) >> r->shift];
    while (i < r->end && c->b[i].addr <= v) i++;
    if (i == r->first) return -1;
    i--;
    uint64_t a = c->b[i].addr, s = blk_size(c, i);
    if (v == a || v - a < s) return (ptrdiff_t)i;
    return -1;
}

static void scan_words(ctx *c, uint64_t holder, uint64_t from, uint64_t to, int libc_filter)
{
    from = (from + 7) & ~(uint64_t)7;
    if (c->st != HS_OK || to <= from) return;
    c->seq++;
    const uint64_t *p = (const uint64_t *)(uintptr_t)from, *e = (const uint64_t *)(uintptr_t)(to & ~(uint64_t)7);
    c->scanned += (uint64_t)(e - p) * 8;
    for (; p < e; p++) {
        uint64_t v = *p;
        ptrdiff_t i = find_block(c, v);
        if (i < 0) continue;
        uint64_t start = c->b[i].addr;
        if (start == holder) continue;
        int interior = v != start;
        if (interior && libc_filter && hsn_real_usable &&
            v == start + hsn_real_usable((void *)(uintptr_t)start) - 8)
            continue; /* glibc's pointer to the next chunk's header */
        uint32_t bit = interior ? 2u : 1u, s = c->stamp[i];
        if ((s >> 2) != (c->seq & 0x3fffffffu)) s = (c->seq & 0x3fffffffu) << 2;
        if (s & bit) continue;
        c->stamp[i] = s | bit;
        c->st = hs_writer_add_ref_sid(c->w, holder, start, HS_REF_STRONG, interior ? c->sid_interior : HS_NONE);
        if (c->st != HS_OK) return;
        c->nrefs++;
    }
}

/* ---- the heap blocks, pipelined ----
 * A chunk of up to 64 blocks (and 4096 words) at a time: (A) collect the
 * words that fall inside a region and prefetch their buckets, (B) read the
 * buckets and prefetch the block entries, (C) resolve each word to its
 * block and prefetch its mark; then, block by block as they are written,
 * (D) emit the references. The misses of a whole chunk overlap instead of
 * being paid one after the other. */
#define CHUNK_BLOCKS 64
#define CHUNK_WORDS 4096
typedef struct cand {
    uint64_t v;
    const region *r;
    const uint32_t *pb;
    ptrdiff_t i;
} cand;

static void chunk_prescan(ctx *c, size_t s0)
{
    size_t nc = 0, words = 0, j = s0;
    c->chunk_s = s0;
    c->direct = 0;
    if (blk_size(c, s0) / 8 > CHUNK_WORDS) { /* a big block alone, word by word */
        c->direct = 1;
        c->chunk_e = s0 + 1;
        return;
    }
    for (; j < c->n && j - s0 < CHUNK_BLOCKS; j++) {
        size_t nw = blk_size(c, j) / 8;
        if (words + nw > CHUNK_WORDS) break;
        words += nw;
        c->cand_first[j - s0] = (uint32_t)nc;
        const uint64_t *p = (const uint64_t *)(uintptr_t)c->b[j].addr, *e = p + nw;
        for (; p < e; p++) {
            uint64_t v = *p;
            if (v - c->lo >= c->hi - c->lo) continue;
            const region *r = c->reg;
            size_t k = 0;
            while (k < c->nreg && v >= r[k].hi) k++;
            if (k == c->nreg || v < r[k].lo) continue;
            cand *x = &c->cand[nc++];
            x->v = v;
            x->r = &r[k];
            x->pb = &r[k].bucket[(v - r[k].lo) >> r[k].shift];
            __builtin_prefetch(x->pb);
        }
    }
    c->chunk_e = j;
    c->cand_first[j - s0] = (uint32_t)nc;
    for (size_t k = 0; k < nc; k++) {
        cand *x = &c->cand[k];
        x->i = *x->pb;
        __builtin_prefetch(&c->b[x->i > 0 ? x->i - 1 : 0]);
    }
    for (size_t k = 0; k < nc; k++) {
        cand *x = &c->cand[k];
        size_t i = (size_t)x->i;
        while (i < x->r->end && c->b[i].addr <= x->v) i++;
        if (i == x->r->first) {
            x->i = -1;
            continue;
        }
        i--;
        uint64_t a = c->b[i].addr, sz = blk_size(c, i);
        x->i = (x->v == a || x->v - a < sz) ? (ptrdiff_t)i : -1;
        if (x->i >= 0) __builtin_prefetch(&c->stamp[i]);
    }
}

/* The references of block j (inside the current chunk). */
static void chunk_emit(ctx *c, size_t j)
{
    uint64_t holder = c->b[j].addr;
    if (c->direct) {
        scan_words(c, holder, holder, holder + blk_size(c, j), 0);
        return;
    }
    if (c->st != HS_OK) return;
    c->seq++;
    c->scanned += blk_size(c, j) / 8 * 8;
    uint32_t seq = c->seq & 0x3fffffffu;
    for (uint32_t k = c->cand_first[j - c->chunk_s]; k < c->cand_first[j - c->chunk_s + 1]; k++) {
        const cand *x = &c->cand[k];
        if (x->i < 0) continue;
        uint64_t start = c->b[x->i].addr;
        if (start == holder) continue;
        int interior = x->v != start;
        uint32_t bit = interior ? 2u : 1u, st = c->stamp[x->i];
        if ((st >> 2) != seq) st = seq << 2;
        if (st & bit) continue;
        c->stamp[x->i] = st | bit;
        c->st = hs_writer_add_ref_sid(c->w, holder, start, HS_REF_STRONG, interior ? c->sid_interior : HS_NONE);
        if (c->st != HS_OK) return;
        c->nrefs++;
    }
}

/* ---- roots ---- */
typedef struct rootctx {
    ctx *c;
    typetab *types;
    uint64_t next_id;
    const hsn_region *maps;
    size_t nmaps;
} rootctx;

static uint64_t pseudo_block(rootctx *r, const char *name, const char *module, hs_root_kind kind, const char *rname)
{
    uint32_t tid;
    uint64_t id = r->next_id;
    r->next_id += 16;
    if (r->c->st != HS_OK) return 0;
    if ((r->c->st = type_get(r->c->w, r->types, name, module, &tid)) != HS_OK) return 0;
    if ((r->c->st = hs_writer_add_block(r->c->w, id, 0, tid, 0, HS_NONE)) != HS_OK) return 0;
    if ((r->c->st = hs_writer_add_root(r->c->w, id, kind, rname, 0)) != HS_OK) return 0;
    return id;
}

/* Scan [lo, hi) where it is mapped readable. */
static void scan_mapped(rootctx *r, uint64_t holder, uint64_t lo, uint64_t hi, int libc_filter)
{
    while (lo < hi) {
        const hsn_region *g = hsn_maps_find(r->maps, r->nmaps, lo);
        if (!g) { /* skip to the next mapping */
            uint64_t next = hi;
            for (size_t i = 0; i < r->nmaps; i++)
                if (r->maps[i].lo > lo && r->maps[i].lo < next) next = r->maps[i].lo;
            lo = next;
            continue;
        }
        uint64_t e = g->hi < hi ? g->hi : hi;
        if (g->readable) scan_words(r->c, holder, lo, e, libc_filter);
        lo = e;
    }
}

static void scan_thread(rootctx *r, const mods *m, pid_t tid, uint64_t sp, const uint64_t *regs, int nregs, uint64_t tp,
                        int redzone)
{
    char name[64];
    ctx *c = r->c;
    if (nregs > 0) {
        snprintf(name, sizeof name, "[registers] thread %d", (int)tid);
        uint64_t id = pseudo_block(r, name, NULL, HS_ROOT_STACK, name);
        if (!id) return;
        /* registers as words: copy, then scan the copy */
        uint64_t tmp[32];
        int k = nregs < 32 ? nregs : 32;
        memcpy(tmp, regs, (size_t)k * 8);
        scan_words(c, id, (uint64_t)(uintptr_t)tmp, (uint64_t)(uintptr_t)(tmp + k), 0);
    }
    if (sp) {
        const hsn_region *g = hsn_maps_find(r->maps, r->nmaps, sp);
        if (g) {
            uint64_t lo = sp - (redzone ? 128 : 0), hi = g->hi;
            if (lo < g->lo) lo = g->lo;
            ptrdiff_t b = find_block(c, sp); /* a stack inside a malloc block (coroutines) */
            if (b >= 0) hi = c->b[b].addr + blk_size(c, (size_t)b);
            snprintf(name, sizeof name, "[stack] thread %d", (int)tid);
            uint64_t id = pseudo_block(r, name, NULL, HS_ROOT_STACK, name);
            if (id) scan_words(c, id, lo, hi, 0);
        }
    }
    /* The main thread's static TLS and TCB lie outside its stack: each
     * object's TLS block at its static offset from the thread pointer (the
     * same in every thread; taken from dl_iterate_phdr in the dumping
     * thread), and struct pthread above it. Not the whole static area: its
     * unused surplus was seen holding stale heap addresses. */
    if (tp && tid == hsn_pid) {
        static void (*tls_info)(size_t *, size_t *);
        static int tried;
        if (!tried) {
            tried = 1;
            tls_info = (void (*)(size_t *, size_t *))dlsym(RTLD_DEFAULT, "_dl_get_tls_static_info");
        }
        size_t size = 4096, align = 64;
        if (tls_info) tls_info(&size, &align);
        const hsn_region *g = hsn_maps_find(r->maps, r->nmaps, tp);
        if (g) {
            snprintf(name, sizeof name, "[tls] thread %d", (int)tid);
            uint64_t id = pseudo_block(r, name, NULL, HS_ROOT_STACK, name);
            for (size_t i = 0; id && i < m->n; i++) {
                const mod *md = &m->v[i];
                if (!md->tls_size || md->tls_off >= 0 || (uint64_t)-md->tls_off > size) continue; /* dynamic TLS: a malloc block */
                uint64_t lo = tp + (uint64_t)md->tls_off, hi = lo + md->tls_size;
                if (lo < g->lo) lo = g->lo;
                if (!md->is_self) scan_words(c, id, lo, hi, 0);
            }
            uint64_t hi = tp + 2304; /* sizeof(struct pthread) in glibc 2.36 */
            if (hi > g->hi) hi = g->hi;
            if (id) scan_words(c, id, tp, hi, 0);
        }
    }
}

/* ---- the dump ---- */
static const char *const why_names[] = {"exit", "signal", "interval", "growth", "api", "oom"};

static void tag_u64(hs_writer *w, const char *key, uint64_t v)
{
    char b[32];
    snprintf(b, sizeof b, "%llu", (unsigned long long)v);
    hs_writer_set_end_tag(w, key, b);
}

int hsn_dump(const char *path_in, int why, uint64_t sp, const uint64_t *regs, int nregs)
{
    if (hsn_self.internal || atomic_load(&hsn_disabled)) return HS_ERR_STATE;
    hsn_self.internal = 1;
    hsn_lock_take(&dump_lock);
    long t0 = now_ns();
    char path[1200];
    if (path_in) hsn_strlcpy(path, path_in, sizeof path);
    else hsn_dump_path(path, sizeof path, why);

    /* 1. world running */
    hsn_text_refresh();
    mods m = {0};
    dl_iterate_phdr(mods_cb, &m);
    uint32_t nsites = hsn_site_count();
    for (size_t i = 0; syms.v && i <= syms.mask; i++) syms.v[i].frame_id = HS_NONE;
    uint8_t *used = hsn_map(nsites + 1);
    if (used) {
        for (int i = 0; i < HSN_SHARDS; i++) {
            hsn_shard *s = &hsn_shards[i];
            hsn_lock_take(&s->lock);
            for (uint64_t j = 0; s->slots && j < s->cap; j++)
                if (s->slots[j].addr) {
                    uint32_t site = hsn_meta_site(s->slots[j].meta);
                    if (site < nsites) used[site] = 1;
                }
            hsn_lock_give(&s->lock);
        }
        hsn_symbols_begin();
        for (uint32_t s = 1; s < nsites; s++) {
            if (!used[s]) continue;
            uint32_t nf;
            const uint64_t *f = hsn_site_frames(s, &nf);
            for (uint32_t k = 0; k < nf; k++) sym_add(&syms, f[k], &m, 1);
        }
        hsn_unmap(used, nsites + 1);
    }
    char exe[256];
    ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[k > 0 ? k : 0] = 0;
    char frames_s[16], runtime[64];
    snprintf(frames_s, sizeof frames_s, "%d", hsn_cfg.frames);
    snprintf(runtime, sizeof runtime, "native (glibc %s)", gnu_get_libc_version());
    hs_tag tags[3] = {{"native.trigger", why_names[why]}, {"native.frames", frames_s}, {"native.program", exe}};
    hs_writer_options opt = {.producer = "heapsnap-native", .runtime = runtime, .tags = tags, .ntags = 3,
                             .no_fsync = !hsn_cfg.fsync};
    hs_writer *w = NULL;
    hs_error err;
    int st = hs_writer_open(path, &opt, &w, &err);
    if (st != HS_OK) {
        hsn_note("cannot write '", path, err.message);
        goto out;
    }

    /* 2. stop */
    hsn_sites_lock();
    hsn_table_lock_all();
    atomic_store(&hsn_tables_held, 1);
    long t1 = now_ns();
    hsn_stopped *th = NULL;
    int missed = 0, nth = hsn_stop_world(&th, &missed);
    hsn_region *maps = NULL;
    size_t nmaps = 0;
    hsn_maps_read(&maps, &nmaps);

    long t_stop = now_ns();
    /* 3. the sorted array */
    ctx c = {.w = w};
    size_t total = 0;
    for (int i = 0; i < HSN_SHARDS; i++) total += hsn_shards[i].count;
    size_t bytes_b = (total ? total : 1) * sizeof(hsn_entry), bytes_s = (total ? total : 1) * sizeof(uint32_t);
    c.b = hsn_map(bytes_b);
    hsn_entry *tmp = hsn_map(bytes_b);
    c.stamp = hsn_map(bytes_s);
    if (!c.b || !tmp || !c.stamp) {
        c.st = HS_ERR_NOMEM;
    } else {
        for (int i = 0; i < HSN_SHARDS; i++) {
            hsn_shard *s = &hsn_shards[i];
            for (uint64_t j = 0; s->slots && j < s->cap; j++)
                if (s->slots[j].addr && c.n < total) c.b[c.n++] = s->slots[j];
        }
        radix_sort(c.b, tmp, c.n);
        if (c.n) {
            c.lo = c.b[0].addr;
            for (size_t i = 0; i < c.n; i++) {
                uint64_t e = c.b[i].addr + blk_size(&c, i);
                if (e > c.hi) c.hi = e;
            }
            if (c.hi == c.lo) c.hi = c.lo + 1;
        }
        /* the sort's scratch is free again: 4 uint32 a block, the index needs about 2 */
        if (index_build(&c, (uint32_t *)tmp, bytes_b / sizeof(uint32_t)) != 0) c.st = HS_ERR_NOMEM;
    }

    long t_sort = now_ns();
    /* 4. frames, sites, types, blocks */
    typetab types = {0};
    uint32_t *site_w = NULL, *site_t = NULL;
    size_t site_bytes = (size_t)(nsites > hsn_site_count() ? nsites : hsn_site_count()) * sizeof(uint32_t) + 4;
    uint32_t all_sites = hsn_site_count();
    if (c.st == HS_OK) {
        site_w = hsn_map(site_bytes);
        site_t = hsn_map(site_bytes);
        c.cand = hsn_map((CHUNK_WORDS + 1) * sizeof *c.cand);
        if (!site_w || !site_t || !c.cand) c.st = HS_ERR_NOMEM;
        else if ((c.st = hs_writer_intern(w, "interior", 8, &c.sid_interior)) == HS_OK)
            for (size_t i = 0; i < (size_t)all_sites; i++) site_w[i] = HS_NONE;
    }
    uint32_t unknown_type = HS_NONE;
    for (size_t i = 0; i < c.n && c.st == HS_OK; i++) {
        if (i == c.chunk_e) chunk_prescan(&c, i);
        uint32_t s = hsn_meta_site(c.b[i].meta);
        if (s >= all_sites) s = 0;
        if (s && site_w[s] == HS_NONE) {
            uint32_t nf, fid[HSN_MAX_FRAMES];
            const uint64_t *f = hsn_site_frames(s, &nf);
            const char *tname = NULL, *tmod = NULL;
            for (uint32_t q = 0; q < nf && c.st == HS_OK; q++) {
                symrec *r = sym_slot(&syms, f[q]);
                if (!r) {
                    c.st = HS_ERR_NOMEM;
                    break;
                }
                if (!r->pc) {
                    sym_add(&syms, f[q], &m, 0); /* new since step 1: no dladdr while stopped */
                    r = sym_slot(&syms, f[q]);
                }
                if (r->frame_id == HS_NONE)
                    c.st = hs_writer_add_frame(w, r->function, r->file ? r->file : r->module, r->line, &r->frame_id);
                fid[q] = r->frame_id;
                if (!tname && !is_wrapper(r->function)) {
                    tname = r->function;
                    tmod = r->module ? base_name(r->module) : NULL;
                }
            }
            if (c.st != HS_OK) break;
            if (!tname && nf) { /* only wrappers: the outermost frame */
                symrec *r = sym_slot(&syms, f[nf - 1]);
                tname = r->function;
                tmod = r->module ? base_name(r->module) : NULL;
            }
            if ((c.st = hs_writer_add_site(w, fid, nf, &site_w[s])) != HS_OK) break;
            if ((c.st = type_get(w, &types, tname ? tname : "(unknown)", tmod, &site_t[s])) != HS_OK) break;
        }
        uint32_t type;
        const char *named = (c.b[i].meta & HSN_NAMED_BIT) ? hsn_name_of(c.b[i].addr) : NULL;
        if (named) { /* the program named it (heapsnap_native_type) */
            if ((c.st = type_get(w, &types, named, NULL, &type)) != HS_OK) break;
        } else if (s) type = site_t[s];
        else {
            if (unknown_type == HS_NONE && (c.st = type_get(w, &types, "(no site)", NULL, &unknown_type)) != HS_OK)
                break;
            type = unknown_type;
        }
        uint64_t size = blk_size(&c, i);
        c.st = hs_writer_add_block(w, c.b[i].addr, size, type, 0, s ? site_w[s] : HS_NONE);
        if (c.st != HS_OK) break;
        if (hsn_cfg.thread_values)
            c.st = hs_writer_add_value_int(w, c.b[i].addr, (int64_t)hsn_meta_thread(c.b[i].meta));
        (void)size;
        chunk_emit(&c, i);
    }
    uint64_t heap_refs = c.nrefs;
    long t_blocks = now_ns();

    /* 5. roots */
    rootctx rc = {.c = &c, .types = &types, .next_id = 16, .maps = maps, .nmaps = nmaps};
    for (size_t i = 0; i < m.n && c.st == HS_OK; i++) {
        const mod *md = &m.v[i];
        if (md->is_self || !md->nseg) continue;
        char name[300];
        snprintf(name, sizeof name, "[data] %s", base_name(md->path));
        uint64_t id = pseudo_block(&rc, name, NULL, HS_ROOT_GLOBAL, md->path);
        for (int g = 0; id && g < md->nseg; g++) scan_mapped(&rc, id, md->seg_lo[g], md->seg_hi[g], md->is_libc);
    }
    pid_t self = (pid_t)syscall(SYS_gettid);
    for (int i = 0; i < nth && c.st == HS_OK; i++) {
        if (!th[i].ok || th[i].tid == hsn_bg_tid) continue;
        scan_thread(&rc, &m, th[i].tid, th[i].sp, th[i].regs, 16, th[i].regs[17], 1);
    }
    if (sp && c.st == HS_OK) {
        uint64_t tp;
        __asm__ volatile("mov %%fs:0, %0" : "=r"(tp));
        scan_thread(&rc, &m, self, sp, regs, nregs, tp, 0);
    }
    long t2 = now_ns();

    /* 6. resume, commit */
    hsn_resume_world();
    atomic_store(&hsn_tables_held, 0);
    hsn_table_unlock_all();
    hsn_sites_unlock();
    long t3 = now_ns();
    hsn_unmap(c.b, bytes_b);
    hsn_unmap(tmp, bytes_b);
    hsn_unmap(c.stamp, bytes_s);
    hsn_unmap(c.cand, (CHUNK_WORDS + 1) * sizeof *c.cand);
    hsn_unmap(site_w, site_bytes);
    hsn_unmap(site_t, site_bytes);
    if (types.v) hsn_arena_free(types.v);
    if (maps) hsn_arena_free(maps);
    if (c.st != HS_OK) {
        hsn_note("snapshot failed for '", path, hs_writer_error(w)->message);
        hs_writer_abort(w);
        st = c.st;
        goto out;
    }
    tag_u64(w, "native.threads", (uint64_t)nth + 1);
    tag_u64(w, "native.heap_refs", heap_refs);
    tag_u64(w, "native.scanned_bytes", c.scanned);
    tag_u64(w, "native.stopped_us", (uint64_t)(t3 - t1) / 1000);
    tag_u64(w, "native.stop_us", (uint64_t)(t_stop - t1) / 1000);     /* signalling and waiting */
    tag_u64(w, "native.sort_us", (uint64_t)(t_sort - t_stop) / 1000);  /* maps, copy, sort */
    tag_u64(w, "native.blocks_us", (uint64_t)(t_blocks - t_sort) / 1000); /* sites, blocks, their scan */
    tag_u64(w, "native.roots_us", (uint64_t)(t2 - t_blocks) / 1000);
    tag_u64(w, "native.scan_memory_bytes", (uint64_t)(2 * bytes_b + bytes_s));
    if (missed) {
        char b[64];
        snprintf(b, sizeof b, "%d threads did not stop; their stacks were not scanned", missed);
        hs_writer_set_end_tag(w, "partial", b);
    }
    (void)t2;
    tag_u64(w, "native.dump_us", (uint64_t)(now_ns() - t0) / 1000);
    st = hs_writer_close(w, &err);
    if (st != HS_OK) hsn_note("cannot write '", path, err.message);
    else {
        atomic_fetch_add(&hsn_dumps_done, 1);
        if (!hsn_cfg.quiet) {
            char b[160];
            snprintf(b, sizeof b, "%zu blocks, %llu references, %.1f ms (threads stopped %.1f ms)", c.n,
                     (unsigned long long)c.nrefs, (double)(now_ns() - t0) / 1e6, (double)(t3 - t1) / 1e6);
            hsn_note("wrote '", path, b);
        }
    }
out:
    dpool_release();
    hsn_lock_give(&dump_lock);
    hsn_self.internal = 0;
    return st;
}
