/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_obm_static.c — pymalloc's arena table on CPython 3.10
 * and 3.11 (64-bit), where Objects/obmalloc.c keeps `usedpools`, `arenas`
 * and `maxarenas` as statics, found by their shape. Entry point:
 * hspy_obms_open(). See docs/python.md#orphans.
 *
 * 1. Readable memory: the anonymous and heap mappings of /proc/self/maps
 *    (never a file-backed one, which can fault past its file's end), and
 *    the writable PT_LOAD segments of the object that holds _PyRuntime
 *    (libpython or the executable: .data and .bss, where the statics are).
 *    Nothing is read outside these ranges.
 * 2. usedpools: 32 pairs of words in that segment where each pair is
 *    either the empty list (both words point 16 bytes before the pair: the
 *    pair is the nextpool/prevpool of a fake pool header) or the first and
 *    last pool of a list of partly used pools of that size class, each a
 *    pool-aligned header whose szidx is the class, whose maxnextoffset is
 *    POOL_SIZE - block size, and whose links lead back to the pair. Tried
 *    with 16 KiB pools (the radix-tree build, the default) then 4 KiB; the
 *    match must be unique. Walking the lists gives pools with their
 *    arenaindex.
 * 3. arenas: the one word of the segment W such that, for every pool
 *    found, W[arenaindex] is an arena whose range holds the pool, below its
 *    pool_address, with the pool count an arena of that address has.
 * 4. maxarenas: a 32-bit word near that static (obmalloc.c's statics sit
 *    together), 16 times a power of two, above every arenaindex seen, such
 *    that the table W[0 .. maxarenas) adds up: each entry either an arena
 *    (readable, its pool_address on a pool boundary inside it, no two
 *    overlapping) or unused (address 0), the unused ones forming exactly one
 *    chain through nextarena whose head is a word near the static (the
 *    unused_arena_objects list). The largest that adds up is taken.
 * 5. The allocator's own counts: the arenas with an address must number
 *    a word near the static (narenas_currently_allocated), and
 *    _Py_GetAllocatedBlocks() — on these versions raw_allocated_blocks plus
 *    the ref.count of every pool of every arena of that table — less the
 *    same sum read here must be a word of the segment (raw_allocated_blocks,
 *    which Debian's build places 257 KiB away, past the radix tree's root).
 *    These two are consistency checks, weaker than steps 2-4 (small
 *    numbers), which carry the proof.
 * Any step that does not hold returns why, and the caller skips the arenas.
 * Left open: the mappings are read once, so memory that a thread without
 * the GIL unmaps meanwhile, if a candidate word points into it, could
 * fault a probe (pymalloc's own memory changes only under the GIL).
 *
 * The reads in steps 2-4 go through peek(), which is not instrumented by
 * AddressSanitizer: a candidate word can point into a heap block's
 * neighbour, which is mapped and readable but not that block's.
 */
#define _GNU_SOURCE 1
#include "hspy_obm_static.h"

#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if SIZEOF_VOID_P == 8 && defined(WITH_PYMALLOC)

extern Py_ssize_t _Py_GetAllocatedBlocks(void); /* exported; declared in an internal header on 3.11 */

#define ARENA_SIZE ((uintptr_t)1 << 20) /* ARENA_BITS 20: USE_LARGE_ARENAS on 64-bit */
#define ALIGN_SHIFT 4                   /* ALIGNMENT 16 */
#define NCLASSES 32                     /* SMALL_REQUEST_THRESHOLD 512 / ALIGNMENT */
#define OVERHEAD 48                     /* POOL_OVERHEAD: the header rounded to ALIGNMENT */
#define NEAR 4096                       /* bytes either side of `arenas` where its neighbours are looked for */
#define MAX_KNOWN 4096                  /* pools kept from the usedpools lists */
#define MAX_LIST 65536                  /* pools a usedpools list may have before it is taken as broken */
#define MAX_ARENAS ((uint32_t)1 << 22)  /* 4 TiB of arenas */

/* obmalloc.c's struct pool_header and struct arena_object (64-bit). */
typedef struct obm_pool {
    union {
        void *pad;
        unsigned count;
    } ref;
    uintptr_t freeblock, nextpool, prevpool;
    unsigned arenaindex, szidx, nextoffset, maxnextoffset;
} obm_pool;
typedef struct obm_arena {
    uintptr_t address, pool_address;
    unsigned nfreepools, ntotalpools;
    uintptr_t freepools, nextarena, prevarena;
} obm_arena;
_Static_assert(sizeof(obm_pool) == 48 && sizeof(obm_arena) == 48, "obmalloc.c's 64-bit layout");

/* ---- readable ranges ---- */

typedef struct span {
    uintptr_t lo, hi;
} span;
typedef struct spans {
    span *s;
    size_t n, cap;
} spans;

static int spans_add(spans *v, uintptr_t lo, uintptr_t hi)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 256;
        span *s = realloc(v->s, cap * sizeof *s);
        if (!s) return -1;
        v->s = s;
        v->cap = cap;
    }
    v->s[v->n++] = (span){lo, hi};
    return 0;
}

static int span_cmp(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sorted, with touching or overlapping ranges merged. */
static void spans_merge(spans *v)
{
    if (!v->n) return;
    qsort(v->s, v->n, sizeof *v->s, span_cmp);
    size_t k = 0;
    for (size_t i = 1; i < v->n; i++) {
        if (v->s[i].lo <= v->s[k].hi) {
            if (v->s[i].hi > v->s[k].hi) v->s[k].hi = v->s[i].hi;
        } else v->s[++k] = v->s[i];
    }
    v->n = k + 1;
}

static int readable(const spans *v, uintptr_t a, size_t n)
{
    if (a + n < a) return 0;
    size_t lo = 0, hi = v->n;
    while (lo < hi) { /* the last range starting at or below a */
        size_t mid = lo + (hi - lo) / 2;
        if (v->s[mid].lo <= a) lo = mid + 1;
        else hi = mid;
    }
    return lo > 0 && a + n <= v->s[lo - 1].hi;
}

/* The anonymous and heap mappings that can be read. */
static int read_maps(spans *v)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return -1;
    char line[512];
    int at_start = 1, r = 0;
    while (r == 0 && fgets(line, sizeof line, f)) {
        int whole = strchr(line, '\n') != NULL;
        if (at_start) {
            unsigned long lo, hi;
            char perms[8];
            int off = 0;
            if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &lo, &hi, perms, &off) >= 3 && off > 0 && perms[0] == 'r') {
                const char *path = line + off;
                if (*path == '\n' || *path == 0 || strncmp(path, "[heap]", 6) == 0 || strncmp(path, "[anon:", 6) == 0)
                    r = spans_add(v, lo, hi);
            }
        }
        at_start = whole;
    }
    fclose(f);
    return r;
}

typedef struct seg_find {
    uintptr_t probe;
    spans *segs;
    int found, nomem;
} seg_find;

static int seg_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    seg_find *s = arg;
    int holds = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && s->probe >= lo && s->probe < lo + ph->p_memsz) holds = 1;
    }
    if (!holds) return 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_W) && (ph->p_flags & PF_R) && spans_add(s->segs, lo, lo + ph->p_memsz) < 0)
            s->nomem = 1;
    }
    s->found = 1;
    return 1;
}

/* ---- reads outside the sanitizer's view ---- */

__attribute__((noinline, no_sanitize_address)) static void peek(void *dst, uintptr_t src, size_t n)
{
    /* word by word through a volatile pointer, no memcpy call (the
     * sanitizer intercepts it); stored as bytes, which alias any type */
    const volatile uintptr_t *s = (const volatile uintptr_t *)src;
    unsigned char *d = dst;
    for (size_t i = 0; i < n / sizeof(uintptr_t); i++) {
        uintptr_t v = s[i];
        __builtin_memcpy(d + i * sizeof v, &v, sizeof v);
    }
}

static uintptr_t word(uintptr_t a)
{
    uintptr_t w = 0;
    peek(&w, a, sizeof w);
    return w;
}

/* ---- the search ---- */

typedef struct known {
    uintptr_t pool;
    unsigned arenaindex;
} known;

typedef struct find {
    spans rd, segs;
    uintptr_t ps; /* pool size tried */
    known *k;
    size_t nk;
    unsigned max_index;
} find;

static int pool_ok(const find *f, uintptr_t p, obm_pool *h)
{
    if (!p || (p & (f->ps - 1)) || !readable(&f->rd, p, f->ps)) return 0;
    peek(h, p, sizeof *h);
    if (h->szidx >= NCLASSES) return 0;
    unsigned size = (h->szidx + 1) << ALIGN_SHIFT;
    return h->maxnextoffset == f->ps - size && h->nextoffset >= OVERHEAD + size && h->nextoffset <= f->ps;
}

/* Is `u` (in a segment, 512 bytes readable) usedpools for pool size f->ps? */
static int usedpools_at(const find *f, uintptr_t u)
{
    uintptr_t w[2 * NCLASSES];
    peek(w, u, sizeof w);
    for (unsigned i = 0; i < NCLASSES; i++) {
        uintptr_t head = u + 2 * i * sizeof(uintptr_t) - 2 * sizeof(uintptr_t);
        if (w[2 * i] == head && w[2 * i + 1] == head) continue;
        obm_pool a = {0}, b = {0};
        if (!pool_ok(f, w[2 * i], &a) || !pool_ok(f, w[2 * i + 1], &b)) return 0;
        if (a.szidx != i || b.szidx != i || a.prevpool != head || b.nextpool != head) return 0;
    }
    return 1;
}

static const char *find_usedpools(find *f, uintptr_t *out)
{
    static const uintptr_t sizes[] = {(uintptr_t)1 << 14, (uintptr_t)1 << 12}; /* radix tree on, off */
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        f->ps = sizes[s];
        size_t hits = 0;
        for (size_t g = 0; g < f->segs.n; g++) {
            uintptr_t lo = (f->segs.s[g].lo + 7) & ~(uintptr_t)7, hi = f->segs.s[g].hi;
            for (uintptr_t u = lo; u + 2 * NCLASSES * sizeof(uintptr_t) <= hi; u += sizeof(uintptr_t)) {
                uintptr_t w0 = word(u);
                if (w0 != u - 2 * sizeof(uintptr_t) && (!w0 || (w0 & (f->ps - 1)))) continue;
                if (usedpools_at(f, u)) {
                    *out = u;
                    hits++;
                }
            }
        }
        if (hits == 1) return NULL;
        if (hits > 1) return "pymalloc's usedpools table is ambiguous";
    }
    return "pymalloc's usedpools table was not found";
}

/* The partly used pools of every size class, from their lists. */
static const char *known_pools(find *f, uintptr_t u)
{
    f->k = malloc(MAX_KNOWN * sizeof *f->k);
    if (!f->k) return "out of memory";
    for (unsigned i = 0; i < NCLASSES; i++) {
        uintptr_t head = u + 2 * i * sizeof(uintptr_t) - 2 * sizeof(uintptr_t), prev = head;
        uintptr_t p = word(u + 2 * i * sizeof(uintptr_t));
        size_t steps = 0;
        while (p != head) {
            obm_pool h = {0};
            if (++steps > MAX_LIST || !pool_ok(f, p, &h) || h.szidx != i || h.prevpool != prev || h.ref.count == 0)
                return "a usedpools list does not add up";
            if (f->nk < MAX_KNOWN) {
                f->k[f->nk++] = (known){p, h.arenaindex};
                if (h.arenaindex > f->max_index) f->max_index = h.arenaindex;
            }
            prev = p;
            p = h.nextpool;
        }
        if (word(u + (2 * i + 1) * sizeof(uintptr_t)) != prev) return "a usedpools list does not add up";
    }
    return f->nk ? NULL : "no partly used pool to find the arenas by";
}

static unsigned pools_in(uintptr_t address, uintptr_t ps)
{
    return (unsigned)(ARENA_SIZE / ps) - ((address & (ps - 1)) ? 1 : 0);
}

/* Does table `w` hold every known pool in its arena? */
static int holds_known(const find *f, uintptr_t w)
{
    if (!w || (w & 7) || !readable(&f->rd, w, ((size_t)f->max_index + 1) * sizeof(obm_arena))) return 0;
    for (size_t i = 0; i < f->nk; i++) {
        obm_arena a = {0};
        peek(&a, w + (uintptr_t)f->k[i].arenaindex * sizeof a, sizeof a);
        uintptr_t p = f->k[i].pool;
        if (!a.address || a.address > p || p + f->ps > a.pool_address || a.pool_address > a.address + ARENA_SIZE ||
            a.ntotalpools != pools_in(a.address, f->ps))
            return 0;
    }
    return 1;
}

static const char *find_arenas(const find *f, uintptr_t *where, uintptr_t *table)
{
    size_t hits = 0;
    for (size_t g = 0; g < f->segs.n; g++) {
        uintptr_t lo = (f->segs.s[g].lo + 7) & ~(uintptr_t)7, hi = f->segs.s[g].hi;
        for (uintptr_t a = lo; a + sizeof(uintptr_t) <= hi; a += sizeof(uintptr_t)) {
            uintptr_t w = word(a);
            if (holds_known(f, w)) {
                *where = a;
                *table = w;
                hits++;
            }
        }
    }
    if (hits == 1) return NULL;
    return hits ? "pymalloc's arena table is ambiguous" : "pymalloc's arena table was not found";
}

/* The window of the segment around the static at `a`, word-aligned. */
static void near(const find *f, uintptr_t a, uintptr_t *lo, uintptr_t *hi)
{
    *lo = *hi = a;
    for (size_t g = 0; g < f->segs.n; g++)
        if (a >= f->segs.s[g].lo && a < f->segs.s[g].hi) {
            *lo = a - f->segs.s[g].lo > NEAR ? a - NEAR : f->segs.s[g].lo;
            *hi = f->segs.s[g].hi - a > NEAR ? a + NEAR : f->segs.s[g].hi;
        }
    *lo = (*lo + 7) & ~(uintptr_t)7;
    *hi &= ~(uintptr_t)7; /* whole words only: find_max reads aligned words */
}

static int word_near(const find *f, uintptr_t a, uintptr_t value)
{
    uintptr_t lo, hi;
    near(f, a, &lo, &hi);
    for (uintptr_t p = lo; p + sizeof(uintptr_t) <= hi; p += sizeof(uintptr_t))
        if (word(p) == value) return 1;
    return 0;
}

static int addr_cmp(const void *a, const void *b)
{
    uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;
    return x < y ? -1 : x > y;
}

/* Does w[0 .. m) add up as the whole arena table (step 4)? 1 yes, 0 no, -1 no memory. */
static int table_ok(const find *f, uintptr_t where, uintptr_t w, uint32_t m)
{
    obm_arena *t = malloc((size_t)m * sizeof *t);
    unsigned char *pointed = calloc(m, 1);
    uintptr_t *addrs = malloc((size_t)m * sizeof *addrs);
    int ok = 0;
    if (!t || !pointed || !addrs) {
        ok = -1;
        goto out;
    }
    peek(t, w, (size_t)m * sizeof *t);
    size_t nalloc = 0, nunused = 0;
    uintptr_t end = w + (uintptr_t)m * sizeof *t;
    for (uint32_t i = 0; i < m; i++) {
        const obm_arena *e = &t[i];
        if (e->address) {
            uintptr_t first = (e->address + f->ps - 1) & ~(f->ps - 1);
            if (!readable(&f->rd, e->address, ARENA_SIZE) || e->ntotalpools != pools_in(e->address, f->ps) ||
                e->nfreepools > e->ntotalpools || e->pool_address < first || e->pool_address > e->address + ARENA_SIZE ||
                (e->pool_address - first) & (f->ps - 1))
                goto out;
            addrs[nalloc++] = e->address;
            continue;
        }
        nunused++;
        if (!e->nextarena) continue;
        if (e->nextarena < w || e->nextarena >= end || (e->nextarena - w) % sizeof *t) goto out;
        size_t j = (e->nextarena - w) / sizeof *t;
        if (t[j].address || pointed[j]) goto out;
        pointed[j] = 1;
    }
    if (nunused) {
        /* exactly one head, and the chain from it takes in every unused entry */
        size_t head = m, heads = 0, len = 0;
        for (uint32_t i = 0; i < m; i++)
            if (!t[i].address && !pointed[i]) {
                head = i;
                heads++;
            }
        if (heads != 1) goto out;
        for (size_t i = head; len <= nunused; i = (t[i].nextarena - w) / sizeof *t) {
            len++;
            if (!t[i].nextarena) break;
        }
        if (len != nunused || !word_near(f, where, w + head * sizeof *t)) goto out;
    }
    qsort(addrs, nalloc, sizeof *addrs, addr_cmp);
    for (size_t i = 1; i < nalloc; i++)
        if (addrs[i] - addrs[i - 1] < ARENA_SIZE) goto out;
    ok = 1;
out:
    free(t);
    free(pointed);
    free(addrs);
    return ok;
}

static const char *find_max(const find *f, uintptr_t where, uintptr_t w, uint32_t *out)
{
    uintptr_t lo, hi;
    near(f, where, &lo, &hi);
    uint32_t best = 0;
    for (uintptr_t p = lo; p + sizeof(uint32_t) <= hi; p += sizeof(uint32_t)) {
        uint32_t m;
        uintptr_t pair = word(p & ~(uintptr_t)7);
        m = (uint32_t)(pair >> ((p & 7) * 8)); /* little-endian halves of an aligned word */
        if (m < 16 || m % 16 || ((m / 16) & (m / 16 - 1)) || m <= f->max_index || m > MAX_ARENAS || m <= best) continue;
        if (!readable(&f->rd, w, (size_t)m * sizeof(obm_arena))) continue;
        int r = table_ok(f, where, w, m);
        if (r < 0) return "out of memory";
        if (r) best = m;
    }
    *out = best;
    return best ? NULL : "pymalloc's arena count (maxarenas) was not found";
}

/* Is `value` a word of the segment? */
static int word_anywhere(const find *f, uintptr_t value)
{
    for (size_t g = 0; g < f->segs.n; g++)
        for (uintptr_t p = (f->segs.s[g].lo + 7) & ~(uintptr_t)7; p + sizeof(uintptr_t) <= f->segs.s[g].hi; p += sizeof(uintptr_t))
            if (word(p) == value) return 1;
    return 0;
}

/* Step 5: the allocator's own counts agree with the table. */
static const char *check_count(const find *f, uintptr_t where, uintptr_t w, uint32_t m)
{
    Py_ssize_t sum = 0;
    size_t nalloc = 0;
    for (uint32_t i = 0; i < m; i++) {
        const obm_arena *e = (const obm_arena *)w + i;
        if (!e->address) continue;
        nalloc++;
        for (uintptr_t p = (e->address + f->ps - 1) & ~(f->ps - 1); p < e->pool_address; p += f->ps)
            sum += ((const obm_pool *)p)->ref.count;
    }
    /* narenas_currently_allocated sits beside `arenas`; raw_allocated_blocks
     * may lie past the radix tree's root (256 KiB on Debian's build) */
    Py_ssize_t raw = _Py_GetAllocatedBlocks() - sum;
    if (!word_near(f, where, nalloc) || raw < 0 || !word_anywhere(f, (uintptr_t)raw))
        return "pymalloc's arena table does not match its counts";
    return NULL;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "hspy_obm_static.c reads 32-bit halves of words as little-endian"
#endif

const char *hspy_obms_open(const void *runtime, hspy_obm *out)
{
    find f;
    memset(&f, 0, sizeof f);
    seg_find sf = {(uintptr_t)runtime, &f.segs, 0, 0};
    dl_iterate_phdr(seg_cb, &sf);
    const char *why = NULL;
    uintptr_t u = 0, where = 0, w = 0;
    uint32_t m = 0;
    if (sf.nomem) why = "out of memory";
    else if (!sf.found || !f.segs.n) why = "the interpreter's data segment was not found";
    else if (read_maps(&f.rd) < 0) why = "/proc/self/maps could not be read";
    for (size_t i = 0; !why && i < f.segs.n; i++)
        if (spans_add(&f.rd, f.segs.s[i].lo, f.segs.s[i].hi) < 0) why = "out of memory";
    if (!why) {
        spans_merge(&f.rd);
        spans_merge(&f.segs);
        why = find_usedpools(&f, &u);
    }
    if (!why) why = known_pools(&f, u);
    if (!why) why = find_arenas(&f, &where, &w);
    if (!why) why = find_max(&f, where, w, &m);
    if (!why) why = check_count(&f, where, w, m);
    if (!why)
        *out = (hspy_obm){.state = (const void *)w, .narenas = m, .arena_size = ARENA_SIZE, .pool_size = f.ps,
                          .pool_overhead = OVERHEAD, .max_block = NCLASSES << ALIGN_SHIFT, .align_shift = ALIGN_SHIFT};
    free(f.rd.s);
    free(f.segs.s);
    free(f.k);
    return why;
}

void hspy_obms_arena(const hspy_obm *m, size_t i, uintptr_t *address, uintptr_t *carved)
{
    const obm_arena *a = (const obm_arena *)m->state + i;
    *address = a->address;
    *carved = a->pool_address;
}

void hspy_obms_pool(uintptr_t pool, hspy_obm_pool *out)
{
    const obm_pool *p = (const obm_pool *)pool;
    *out = (hspy_obm_pool){.count = p->ref.count, .szidx = p->szidx, .nextoffset = p->nextoffset, .freeblock = p->freeblock};
}

#else /* not a 64-bit pymalloc build */

const char *hspy_obms_open(const void *runtime, hspy_obm *out)
{
    (void)runtime;
    (void)out;
    return "pymalloc's arenas are found on 64-bit pymalloc builds only";
}
void hspy_obms_arena(const hspy_obm *m, size_t i, uintptr_t *address, uintptr_t *carved)
{
    (void)m;
    (void)i;
    *address = *carved = 0;
}
void hspy_obms_pool(uintptr_t pool, hspy_obm_pool *out)
{
    (void)pool;
    *out = (hspy_obm_pool){0};
}

#endif
