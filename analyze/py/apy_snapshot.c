/* SPDX-License-Identifier: MIT */
/*
 * analyze/py/apy_snapshot.c — heapsnap.Snapshot: a loaded graph and what
 * has been computed on it, each analysis run once, when first asked for
 * (dominators: graph_dominators; paths: graph_bfs, graph_path_ends; top:
 * graph_bfs_named, graph_points_find, out_name; summary: graph_type_rows,
 * graph_type_retained), the same calls the CLI makes. close(), a with
 * block or deallocation frees it all. See docs/python.md#analysing-a-dump-from-python.
 */
#include "py/apy.h"

#include <stdlib.h>
#include <string.h>

static void snap_release(apy_snapshot *s)
{
    if (s->open) graph_release(&s->g);
    s->open = s->dom = false;
    free(s->via);
    free(s->dist);
    free(s->via_named);
    free(s->by_addr);
    free(s->dump_path);
    free(s->index_path);
    s->via = s->dist = s->via_named = s->by_addr = NULL;
    s->dump_path = s->index_path = NULL;
}

int apy_usable(apy_snapshot *s)
{
    if (!s->open) {
        PyErr_SetString(PyExc_ValueError, "the snapshot is closed");
        return -1;
    }
    if (s->busy) {
        PyErr_SetString(PyExc_RuntimeError, "the snapshot is busy in another thread");
        return -1;
    }
    return 0;
}

static PyObject *nomem(apy_snapshot *s, const char *what)
{
    return apy_error(PyExc_MemoryError, s->path, what);
}

int apy_need_dominators(apy_snapshot *s)
{
    if (s->dom) return 0;
    graph_status st;
    s->busy++;
    Py_BEGIN_ALLOW_THREADS
    st = graph_dominators(&s->g, NULL);
    Py_END_ALLOW_THREADS
    s->busy--;
    if (st) {
        nomem(s, "out of memory computing dominators");
        return -1;
    }
    s->dom = true;
    return 0;
}

int apy_need_bfs(apy_snapshot *s)
{
    if (s->via) return 0;
    graph_status st;
    uint32_t *via = NULL, *dist = NULL;
    s->busy++;
    Py_BEGIN_ALLOW_THREADS
    st = graph_bfs(&s->g, &via, &dist, NULL);
    Py_END_ALLOW_THREADS
    s->busy--;
    if (st) {
        nomem(s, "out of memory");
        return -1;
    }
    s->via = via, s->dist = dist;
    return 0;
}

/* The graph's referrers (graph_referrers: edge indices into each block, in
 * edge order, show's order), built once; an index may have brought them,
 * and one that did not gets them added, as `heapsnap show` adds them
 * (load_index_add; a failure to write is not an error). */
int apy_need_referrers(apy_snapshot *s)
{
    if (s->g.in_off) return 0;
    graph_status st;
    s->busy++;
    Py_BEGIN_ALLOW_THREADS
    st = graph_referrers(&s->g);
    if (!st && s->index_path) {
        char why[512];
        (void)load_index_add(s->dump_path, s->index_path, &s->g, why, sizeof why);
    }
    Py_END_ALLOW_THREADS
    s->busy--;
    if (st) {
        nomem(s, "out of memory");
        return -1;
    }
    return 0;
}

typedef struct addr_pair {
    uint64_t addr;
    uint32_t v;
} addr_pair;

static int cmp_pair(const void *pa, const void *pb)
{
    const addr_pair *a = pa, *b = pb;
    return a->addr < b->addr ? -1 : a->addr > b->addr;
}

/* Blocks by address, for block() in O(log n) (graph_find scans). */
static int need_by_addr(apy_snapshot *s)
{
    if (s->by_addr) return 0;
    const graph *g = &s->g;
    addr_pair *p = malloc(((size_t)g->n + 1) * sizeof *p);
    uint32_t *by = malloc(((size_t)g->n + 1) * sizeof *by);
    if (!p || !by) {
        free(p);
        free(by);
        nomem(s, "out of memory");
        return -1;
    }
    for (uint32_t v = 0; v < g->n; v++) p[v].addr = graph_addr(g, v), p[v].v = v;
    qsort(p, g->n, sizeof *p, cmp_pair);
    for (uint32_t i = 0; i < g->n; i++) by[i] = p[i].v;
    free(p);
    s->by_addr = by;
    return 0;
}

PyObject *apy_block_new(apy_snapshot *s, uint32_t v)
{
    apy_block *b = PyObject_New(apy_block, &apy_block_type);
    if (!b) return NULL;
    Py_INCREF(s);
    b->s = s;
    b->v = v;
    return (PyObject *)b;
}

PyObject *apy_block_or_none(apy_snapshot *s, uint32_t v)
{
    if (v >= s->g.n) Py_RETURN_NONE;
    return apy_block_new(s, v);
}

uint32_t apy_block_arg(apy_snapshot *s, PyObject *arg)
{
    if (PyObject_TypeCheck(arg, &apy_block_type)) {
        apy_block *b = (apy_block *)arg;
        if (b->s != s) {
            PyErr_SetString(PyExc_ValueError, "the block belongs to another snapshot");
            return GRAPH_NONE;
        }
        return b->v;
    }
    if (!PyLong_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "an address is an int or a Block, not %.100s", Py_TYPE(arg)->tp_name);
        return GRAPH_NONE;
    }
    unsigned long long a = PyLong_AsUnsignedLongLong(arg);
    if (a == (unsigned long long)-1 && PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_Format(PyExc_KeyError, "%R is not an address (0 to 2**64-1)", arg);
        return GRAPH_NONE;
    }
    if (need_by_addr(s)) return GRAPH_NONE;
    const graph *g = &s->g;
    uint32_t lo = 0, hi = g->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (graph_addr(g, s->by_addr[mid]) < a) lo = mid + 1;
        else hi = mid;
    }
    if (lo < g->n && graph_addr(g, s->by_addr[lo]) == a) return s->by_addr[lo];
    PyErr_Format(PyExc_KeyError, "heapsnap: '%U': no block at address 0x%llx", s->path, a);
    return GRAPH_NONE;
}

/* ---- paths ---- */
static PyObject *root_record(const graph *g, uint32_t r)
{
    if (r >= g->nroots)
        return apy_record(&apy_root_type, 3, PyUnicode_FromString("garbage"), Py_NewRef(Py_None),
                          PyLong_FromLong(0));
    const graph_root *rt = &g->roots[r];
    size_t len = 0;
    const char *name = rt->name == HS_NONE || !g->reader ? NULL : hs_reader_string(g->reader, rt->name, &len);
    return apy_record(&apy_root_type, 3, PyUnicode_FromString(out_root_kind_name(rt->kind)),
                      name ? PyUnicode_DecodeUTF8(name, (Py_ssize_t)len, "replace") : Py_NewRef(Py_None),
                      PyLong_FromUnsignedLongLong(rt->count));
}

/* steps[0] = nedges + root, then edge indices (graph_path_steps) as a Path. */
static PyObject *path_record(apy_snapshot *s, const uint32_t *steps, uint32_t n)
{
    const graph *g = &s->g;
    PyObject *list = PyList_New(n - 1);
    if (!list) return NULL;
    for (uint32_t i = 1; i < n; i++) {
        uint32_t e = steps[i];
        PyObject *st = apy_record(&apy_step_type, 2, apy_block_new(s, graph_edge_from(g, e)),
                                  apy_label(g, g->out_kind[e], graph_label(g, e)));
        if (!st) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i - 1, st);
    }
    return apy_record(&apy_path_type, 3, PyLong_FromUnsignedLong(n), root_record(g, steps[0] - g->nedges), list);
}

/* The shortest path to v (show's "path"), or None when unreachable. */
static PyObject *shortest_path(apy_snapshot *s, uint32_t v)
{
    if (apy_need_bfs(s)) return NULL;
    uint32_t *steps = NULL, n = graph_path_steps(&s->g, s->via, v, &steps);
    if (!n) {
        if (s->via[v] != GRAPH_NONE) return nomem(s, "out of memory");
        Py_RETURN_NONE;
    }
    PyObject *r = path_record(s, steps, n);
    free(steps);
    return r;
}

PyObject *apy_paths(apy_snapshot *s, uint32_t v, uint32_t limit)
{
    if (apy_need_bfs(s)) return NULL;
    const graph *g = &s->g;
    graph_path_end *c = NULL;
    uint32_t nc = 0;
    if (graph_path_ends(g, s->via, s->dist, v, &c, &nc)) return nomem(s, "out of memory");
    uint32_t shown = nc < limit ? nc : limit;
    PyObject *list = PyList_New(0);
    for (uint32_t i = 0; list && i < shown; i++) {
        /* as `heapsnap path`: the steps to the holder of the last reference, then that reference */
        uint32_t *st = NULL, n = 0;
        if (c[i].last < g->nedges && !(n = graph_path_steps(g, s->via, graph_edge_from(g, c[i].last), &st))) {
            Py_CLEAR(list);
            nomem(s, "out of memory");
            break;
        }
        uint32_t *steps = realloc(st, ((size_t)n + 1) * sizeof *steps);
        if (!steps) {
            free(st);
            Py_CLEAR(list);
            nomem(s, "out of memory");
            break;
        }
        steps[n++] = c[i].last;
        PyObject *p = path_record(s, steps, n);
        free(steps);
        if (!p || PyList_Append(list, p) < 0) Py_CLEAR(list);
        Py_XDECREF(p);
    }
    free(c);
    return list;
}

PyObject *apy_block_path(apy_block *b); /* for apy_block.c */
PyObject *apy_block_path(apy_block *b) { return shortest_path(b->s, b->v); }

/* ---- methods ---- */
static PyObject *snap_close(apy_snapshot *s, PyObject *unused)
{
    (void)unused;
    if (s->busy) {
        PyErr_SetString(PyExc_RuntimeError, "the snapshot is busy in another thread");
        return NULL;
    }
    snap_release(s);
    Py_RETURN_NONE;
}

static PyObject *snap_enter(apy_snapshot *s, PyObject *unused)
{
    (void)unused;
    if (apy_usable(s)) return NULL;
    return Py_NewRef((PyObject *)s);
}

static PyObject *snap_exit(apy_snapshot *s, PyObject *args)
{
    (void)args;
    PyObject *r = snap_close(s, NULL);
    if (!r) return NULL;
    Py_DECREF(r);
    Py_RETURN_FALSE;
}

static PyObject *snap_block(apy_snapshot *s, PyObject *arg)
{
    if (apy_usable(s)) return NULL;
    uint32_t v = apy_block_arg(s, arg);
    return v == GRAPH_NONE ? NULL : apy_block_new(s, v);
}

static PyObject *snap_path(apy_snapshot *s, PyObject *arg)
{
    if (apy_usable(s)) return NULL;
    uint32_t v = apy_block_arg(s, arg);
    if (v == GRAPH_NONE) return NULL;
    PyObject *l = apy_paths(s, v, 1);
    if (!l) return NULL;
    PyObject *r = PyList_GET_SIZE(l) ? Py_NewRef(PyList_GET_ITEM(l, 0)) : Py_NewRef(Py_None);
    Py_DECREF(l);
    return r;
}

static PyObject *snap_paths(apy_snapshot *s, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"addr", "limit", NULL};
    PyObject *arg;
    unsigned int limit = 10;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|I:paths", kwlist, &arg, &limit)) return NULL;
    if (apy_usable(s)) return NULL;
    uint32_t v = apy_block_arg(s, arg);
    return v == GRAPH_NONE ? NULL : apy_paths(s, v, limit);
}

static PyObject *snap_top(apy_snapshot *s, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"n", "fold", NULL};
    unsigned long long n = 20, fold = GRAPH_POINT_FOLD;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|KK:top", kwlist, &n, &fold)) return NULL;
    if (fold > 100) return PyErr_Format(PyExc_ValueError, "fold: %llu is not a percentage (0 to 100)", fold);
    if (n > 1000000) n = 1000000; /* as the CLI */
    if (apy_usable(s) || apy_need_dominators(s)) return NULL;
    graph *g = &s->g;
    uint32_t *via = NULL, nrows = 0;
    uint64_t *shape = NULL;
    graph_point *rows = NULL;
    graph_status st;
    s->busy++;
    Py_BEGIN_ALLOW_THREADS
    st = graph_bfs_named(g, &via, &shape, NULL);
    if (!st) st = graph_points_find(g, shape, (unsigned)fold, (uint32_t)n, &rows, &nrows);
    Py_END_ALLOW_THREADS
    s->busy--;
    free(shape);
    if (st) {
        free(via);
        free(rows);
        return nomem(s, "out of memory");
    }
    free(s->via_named);
    s->via_named = via;
    PyObject *list = PyList_New(nrows);
    char name[1024], t[256];
    for (uint32_t i = 0; list && i < nrows; i++) {
        const graph_point *r = &rows[i];
        PyObject *holds = PyList_New(0);
        for (int h = 0; holds && h < 2 && r->held[h].count; h++) {
            PyObject *hr = apy_record(&apy_held_type, 3, apy_name(graph_type_name(g->reader, r->held[h].type, t, sizeof t)),
                                      PyLong_FromUnsignedLong(r->held[h].count),
                                      PyLong_FromUnsignedLongLong(r->held[h].retained));
            if (!hr || PyList_Append(holds, hr) < 0) Py_CLEAR(holds);
            Py_XDECREF(hr);
        }
        out_name(g, via, r->example, r->count > 1 ? OUT_NAME_WILD : 0, name, sizeof name);
        PyObject *row = apy_record(&apy_row_type, 9, apy_name(name), apy_name(out_type_name(g, r->example, t, sizeof t)),
                                   PyLong_FromUnsignedLong(r->count), PyLong_FromUnsignedLongLong(r->retained),
                                   PyLong_FromUnsignedLongLong(r->shallow), PyLong_FromUnsignedLong(r->folded),
                                   PyLong_FromUnsignedLongLong(r->external), holds, apy_block_new(s, r->example));
        if (!row) Py_CLEAR(list);
        else PyList_SET_ITEM(list, i, row);
    }
    free(rows);
    return list;
}

static PyObject *snap_summary(apy_snapshot *s, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"n", "sort", NULL};
    unsigned long long n = 0;
    const char *sort = "shallow";
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|Ks:summary", kwlist, &n, &sort)) return NULL;
    if (strcmp(sort, "shallow") != 0 && strcmp(sort, "count") != 0)
        return PyErr_Format(PyExc_ValueError, "sort takes 'shallow' or 'count', not '%s'", sort);
    if (apy_usable(s) || apy_need_dominators(s)) return NULL;
    graph *g = &s->g;
    graph_type_row *rows = NULL;
    uint32_t nrows = 0;
    uint64_t *by_type = malloc(((size_t)g->ntypes + 1) * sizeof *by_type);
    if (!by_type || graph_type_rows(g, strcmp(sort, "count") == 0, &rows, &nrows) || graph_type_retained(g, by_type)) {
        free(by_type);
        free(rows);
        return nomem(s, "out of memory");
    }
    uint32_t shown = n == 0 || n > nrows ? nrows : (uint32_t)n;
    PyObject *list = PyList_New(shown);
    for (uint32_t i = 0; list && i < shown; i++) {
        PyObject *r = apy_record(&apy_typerow_type, 4, apy_name(rows[i].name), PyLong_FromUnsignedLongLong(rows[i].count),
                                 PyLong_FromUnsignedLongLong(rows[i].shallow),
                                 PyLong_FromUnsignedLongLong(by_type[rows[i].type]));
        if (!r) Py_CLEAR(list);
        else PyList_SET_ITEM(list, i, r);
    }
    free(by_type);
    free(rows);
    return list;
}

static PyObject *snap_instances(apy_snapshot *s, PyObject *arg)
{
    if (!PyUnicode_Check(arg)) return PyErr_Format(PyExc_TypeError, "a type name is a str, not %.100s", Py_TYPE(arg)->tp_name);
    if (apy_usable(s)) return NULL;
    const graph *g = &s->g;
    uint8_t *want = calloc((size_t)g->ntypes + 1, 1);
    if (!want) return nomem(s, "out of memory");
    char t[256];
    bool any = false;
    for (uint32_t id = 0; id < g->ntypes; id++) {
        PyObject *name = apy_name(graph_type_name(g->reader, id, t, sizeof t));
        if (!name) {
            free(want);
            return NULL;
        }
        want[id] = PyUnicode_Compare(name, arg) == 0;
        any |= want[id];
        Py_DECREF(name);
    }
    PyObject *list = PyList_New(0);
    for (uint32_t v = 0; any && list && v < g->n; v++) {
        if (g->type[v] >= g->ntypes || !want[g->type[v]]) continue;
        PyObject *b = apy_block_new(s, v);
        if (!b || PyList_Append(list, b) < 0) Py_CLEAR(list);
        Py_XDECREF(b);
    }
    free(want);
    return list;
}

static PyObject *snap_diff(apy_snapshot *s, PyObject *args, PyObject *kw) { return apy_diff(s, args, kw); }

static PyMethodDef snap_methods[] = {
    {"close", (PyCFunction)snap_close, METH_NOARGS, "Free the graph and everything computed on it (idempotent)."},
    {"__enter__", (PyCFunction)snap_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)snap_exit, METH_VARARGS, NULL},
    {"block", (PyCFunction)snap_block, METH_O, "block(addr) -> Block; KeyError when no block has that address."},
    {"path", (PyCFunction)snap_path, METH_O,
     "path(addr) -> Path or None: the shortest chain of strong references from a root (heapsnap path)."},
    {"paths", (PyCFunction)(void (*)(void))snap_paths, METH_VARARGS | METH_KEYWORDS,
     "paths(addr, limit=10) -> [Path]: one per distinct way in, shortest first (heapsnap path --all)."},
    {"top", (PyCFunction)(void (*)(void))snap_top, METH_VARARGS | METH_KEYWORDS,
     "top(n=20, fold=90) -> [Row]: where the memory accumulates (heapsnap top)."},
    {"summary", (PyCFunction)(void (*)(void))snap_summary, METH_VARARGS | METH_KEYWORDS,
     "summary(n=0, sort='shallow') -> [TypeRow]: per type, largest first; n=0: every type (heapsnap summary)."},
    {"instances", (PyCFunction)snap_instances, METH_O, "instances(type_name) -> [Block]: every block of that type."},
    {"diff", (PyCFunction)(void (*)(void))snap_diff, METH_VARARGS | METH_KEYWORDS,
     "diff(after, n=10, min_bytes=0, noise=None) -> Diff: what grew from this snapshot to `after` (heapsnap diff)."},
    {NULL, NULL, 0, NULL},
};

/* ---- attributes ---- */
static PyObject *get_path(apy_snapshot *s, void *c)
{
    (void)c;
    return Py_NewRef(s->path);
}
static PyObject *get_closed(apy_snapshot *s, void *c)
{
    (void)c;
    return PyBool_FromLong(!s->open);
}
enum { A_BLOCKS, A_REFS, A_ROOTS, A_SHALLOW, A_REACHABLE, A_UNREACHABLE, A_MISSING };
static PyObject *get_count(apy_snapshot *s, void *which)
{
    if (apy_usable(s)) return NULL;
    const graph *g = &s->g;
    switch ((int)(intptr_t)which) {
    case A_BLOCKS: return PyLong_FromUnsignedLong(g->n);
    case A_REFS: return PyLong_FromUnsignedLong(g->nedges);
    case A_ROOTS: return PyLong_FromUnsignedLong(g->nroots);
    case A_SHALLOW: return PyLong_FromUnsignedLongLong(g->total_shallow);
    case A_MISSING: return PyLong_FromUnsignedLongLong(g->refs_missing);
    default: break;
    }
    if (apy_need_dominators(s)) return NULL;
    return PyLong_FromUnsignedLongLong(graph_retained(g, (int)(intptr_t)which == A_REACHABLE ? GRAPH_SUPER(g) : GRAPH_UNREACH(g)));
}

static PyGetSetDef snap_getset[] = {
    {"file", (getter)get_path, NULL, "the file, as given to load()", NULL},
    {"closed", (getter)get_closed, NULL, "True after close()", NULL},
    {"blocks", (getter)get_count, NULL, "number of blocks (len(snapshot))", (void *)A_BLOCKS},
    {"references", (getter)get_count, NULL, "references between blocks of the snapshot", (void *)A_REFS},
    {"roots", (getter)get_count, NULL, "root records", (void *)A_ROOTS},
    {"total_shallow", (getter)get_count, NULL, "every block's own bytes", (void *)A_SHALLOW},
    {"reachable_bytes", (getter)get_count, NULL, "bytes a root reaches over strong references", (void *)A_REACHABLE},
    {"unreachable_bytes", (getter)get_count, NULL, "bytes no root reaches (garbage)", (void *)A_UNREACHABLE},
    {"missing_references", (getter)get_count, NULL, "references to addresses not in the snapshot", (void *)A_MISSING},
    {NULL, NULL, NULL, NULL, NULL},
};

static Py_ssize_t snap_len(apy_snapshot *s)
{
    if (apy_usable(s)) return -1;
    return (Py_ssize_t)s->g.n;
}

static PySequenceMethods snap_seq = {.sq_length = (lenfunc)snap_len};

static void snap_dealloc(apy_snapshot *s)
{
    snap_release(s);
    Py_XDECREF(s->path);
    PyObject_Free(s);
}

static PyObject *snap_repr(apy_snapshot *s)
{
    if (!s->open) return PyUnicode_FromFormat("<heapsnap.Snapshot %R (closed)>", s->path);
    return PyUnicode_FromFormat("<heapsnap.Snapshot %R: %u blocks, %u references>", s->path, s->g.n, s->g.nedges);
}

/* ---- iteration: every block, in file order ---- */
typedef struct apy_iter {
    PyObject_HEAD
    apy_snapshot *s;
    uint32_t next;
} apy_iter;

static PyObject *snap_iter(apy_snapshot *s)
{
    if (apy_usable(s)) return NULL;
    apy_iter *it = PyObject_New(apy_iter, &apy_iter_type);
    if (!it) return NULL;
    Py_INCREF(s);
    it->s = s;
    it->next = 0;
    return (PyObject *)it;
}

static PyObject *iter_next(apy_iter *it)
{
    if (apy_usable(it->s)) return NULL;
    if (it->next >= it->s->g.n) return NULL;
    return apy_block_new(it->s, it->next++);
}

static void iter_dealloc(apy_iter *it)
{
    Py_DECREF(it->s);
    PyObject_Free(it);
}

PyTypeObject apy_iter_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "heapsnap._analyze.BlockIterator",
    .tp_basicsize = sizeof(apy_iter),
    .tp_dealloc = (destructor)iter_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)iter_next,
};

PyTypeObject apy_snapshot_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "heapsnap.Snapshot",
    .tp_doc = "A snapshot loaded into the analyzer: heapsnap.load(path). Iterating gives every Block.",
    .tp_basicsize = sizeof(apy_snapshot),
    .tp_dealloc = (destructor)snap_dealloc,
    .tp_repr = (reprfunc)snap_repr,
    .tp_as_sequence = &snap_seq,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_iter = (getiterfunc)snap_iter,
    .tp_methods = snap_methods,
    .tp_getset = snap_getset,
};
