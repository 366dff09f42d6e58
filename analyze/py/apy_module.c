/* SPDX-License-Identifier: MIT */
/*
 * analyze/py/apy_module.c — the module heapsnap._analyze: load(PATH) and
 * the result records (named tuples: Ref, Root, Step, Path, Row, Held,
 * TypeRow, Diff, Owner, TypeDelta, NewType, Cluster), plus the conversions
 * every file of the extension shares (names, labels, the CLI's one-line
 * errors). See docs/python.md#analysing-a-dump-from-python.
 */
#include "py/apy.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- records ---- */
#define F(n, d) {n, d}
static PyStructSequence_Field ref_fields[] = {
    F("kind", "'strong', 'weak', 'other' or 'unknown'"), F("label", "str, int or None"),
    F("block", "the Block at the other end"), {NULL, NULL}};
static PyStructSequence_Field root_fields[] = {
    F("kind", "'global', 'stack', 'external', 'runtime', 'other' (or 'garbage')"), F("name", "str or None"),
    F("count", "external references the root records"), {NULL, NULL}};
static PyStructSequence_Field step_fields[] = {F("holder", "the Block holding the next step"),
                                               F("label", "the label of its reference: str, int or None"),
                                               {NULL, NULL}};
static PyStructSequence_Field path_fields[] = {F("length", "steps, the root included"), F("root", "a Root"),
                                               F("steps", "list of Step, from the root's block on"), {NULL, NULL}};
static PyStructSequence_Field row_fields[] = {
    F("name", "the holder as the program names it"), F("type", "type name"), F("count", "blocks in the row"),
    F("retained", "their retained bytes"), F("shallow", "their own bytes"), F("folded", "dominators folded in"),
    F("external_refs", "references only C code accounts for"), F("holds", "list of Held"),
    F("block", "the example Block"), {NULL, NULL}};
static PyStructSequence_Field held_fields[] = {F("type", "type name"), F("count", "blocks"),
                                               F("retained", "bytes"), {NULL, NULL}};
static PyStructSequence_Field typerow_fields[] = {F("type", "type name"), F("count", "instances"),
                                                  F("shallow", "their own bytes"),
                                                  F("retained", "bytes they keep alive on their own"), {NULL, NULL}};
static PyStructSequence_Field diff_fields[] = {
    F("before", "path"), F("after", "path"), F("noise", "the churn threshold, bytes"),
    F("owners", "list of Owner, most growth first"), F("types", "list of TypeDelta, most growth first"),
    F("new_objects", "blocks of AFTER not in BEFORE"), F("new_bytes", "their bytes"),
    F("new_by_type", "list of NewType"), F("new_by_owner", "list of Cluster"),
    F("sites", "list of SiteDelta, most growth first; None when either file has no allocation sites"),
    F("group_by", "how sites are grouped: 'line', 'file' or 'traceback'"), {NULL, NULL}};
static PyStructSequence_Field owner_fields[] = {
    F("name", "the owner as the program names it"), F("type", "its type"),
    F("entries", "added children of the most-added type"), F("entries_type", "that type, or None"),
    F("children_added", "all added children"), F("growth", "bytes attributed to it"),
    F("count", "(before, after) nodes of its group"), F("retained", "(before, after) bytes"),
    F("addr", "an example block's address in AFTER"), {NULL, NULL}};
static PyStructSequence_Field typedelta_fields[] = {F("type", "type name"), F("count", "(before, after)"),
                                                    F("shallow", "(before, after)"), F("retained", "(before, after)"),
                                                    {NULL, NULL}};
static PyStructSequence_Field sitedelta_fields[] = {F("site", "the allocation site (tracemalloc's)"),
                                                    F("count", "(before, after) blocks"),
                                                    F("bytes", "(before, after)"), {NULL, NULL}};
static PyStructSequence_Field newtype_fields[] = {F("type", "type name"), F("count", "new blocks"),
                                                  F("bytes", "their bytes"), {NULL, NULL}};
static PyStructSequence_Field cluster_fields[] = {
    F("owner", "the owner's name"), F("owner_type", "its type"), F("type", "type of the new blocks"),
    F("top", "new blocks directly under it"), F("objects", "all new blocks of the cluster"), F("bytes", "their bytes"),
    F("retained", "retained bytes of the top ones"), F("addr", "an example new block's address in AFTER"),
    {NULL, NULL}};
#undef F

PyTypeObject apy_ref_type, apy_root_type, apy_step_type, apy_path_type, apy_row_type, apy_held_type,
    apy_typerow_type, apy_diff_type, apy_owner_type, apy_typedelta_type, apy_newtype_type, apy_cluster_type,
    apy_sitedelta_type;

static PyStructSequence_Desc record_descs[] = {
    {"heapsnap.Ref", "A reference of a block: kind, label and the block at its other end.", ref_fields, 3},
    {"heapsnap.Root", "A root record.", root_fields, 3},
    {"heapsnap.Step", "One step of a path: the holder and the label of its reference.", step_fields, 2},
    {"heapsnap.Path", "A chain of strong references from a root to a block.", path_fields, 3},
    {"heapsnap.Row", "A row of top(): where the memory accumulates.", row_fields, 9},
    {"heapsnap.Held", "What a row's block holds: blocks of one type under it.", held_fields, 3},
    {"heapsnap.TypeRow", "A row of summary().", typerow_fields, 4},
    {"heapsnap.Diff", "What grew between two snapshots (heapsnap diff).", diff_fields, 11},
    {"heapsnap.Owner", "An owner that grew.", owner_fields, 9},
    {"heapsnap.TypeDelta", "A type that grew.", typedelta_fields, 4},
    {"heapsnap.NewType", "New objects of one type.", newtype_fields, 3},
    {"heapsnap.Cluster", "New objects of one type under one owner.", cluster_fields, 8},
    {"heapsnap.SiteDelta", "An allocation site whose bytes grew.", sitedelta_fields, 3},
};

int apy_records_init(PyObject *m)
{
    PyTypeObject *types[] = {&apy_ref_type,   &apy_root_type,    &apy_step_type,      &apy_path_type,
                             &apy_row_type,   &apy_held_type,    &apy_typerow_type,   &apy_diff_type,
                             &apy_owner_type, &apy_typedelta_type, &apy_newtype_type, &apy_cluster_type,
                             &apy_sitedelta_type};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        if (!types[i]->tp_name && PyStructSequence_InitType2(types[i], &record_descs[i]) < 0) return -1;
        const char *dot = strrchr(record_descs[i].name, '.');
        Py_INCREF(types[i]);
        if (PyModule_AddObject(m, dot + 1, (PyObject *)types[i]) < 0) {
            Py_DECREF(types[i]);
            return -1;
        }
    }
    return 0;
}

PyObject *apy_record(PyTypeObject *type, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    PyObject *r = PyStructSequence_New(type);
    bool bad = !r;
    for (int i = 0; i < n; i++) {
        PyObject *o = va_arg(ap, PyObject *);
        if (!o) bad = true;
        if (bad) Py_XDECREF(o);
        else PyStructSequence_SET_ITEM(r, i, o);
    }
    va_end(ap);
    if (bad) {
        Py_XDECREF(r);
        if (!PyErr_Occurred()) PyErr_NoMemory();
        return NULL;
    }
    return r;
}

/* ---- conversions ---- */
PyObject *apy_name(const char *s)
{
    size_t len = strlen(s);
    const char *pair = memchr(s, GRAPH_NUL_0, len);
    if (!pair) return PyUnicode_DecodeUTF8(s, (Py_ssize_t)len, "replace");
    char *b = malloc(len + 1);
    if (!b) return PyErr_NoMemory();
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        if ((unsigned char)s[i] == GRAPH_NUL_0 && (unsigned char)s[i + 1] == GRAPH_NUL_1) b[k++] = 0, i++;
        else b[k++] = s[i];
    }
    PyObject *r = PyUnicode_DecodeUTF8(b, (Py_ssize_t)k, "replace");
    free(b);
    return r;
}

PyObject *apy_label(const graph *g, uint8_t kind, uint32_t label)
{
    unsigned lt = (kind >> GRAPH_LABEL_SHIFT) & 3u;
    if (lt == HS_LABEL_INDEX) return PyLong_FromUnsignedLong(kind & GRAPH_LABEL_CLIPPED ? UINT32_MAX : label);
    if (lt == HS_LABEL_STRING) {
        size_t len = 0;
        const char *s = g->reader ? hs_reader_string(g->reader, label, &len) : NULL;
        if (s) return PyUnicode_DecodeUTF8(s, (Py_ssize_t)len, "replace");
    }
    Py_RETURN_NONE;
}

PyObject *apy_error(PyObject *exc, PyObject *path, const char *message)
{
    PyErr_Format(exc, "heapsnap: '%U': %s", path, message);
    return NULL;
}

/* ---- load ---- */
/* The one place the extension turns a file into a graph: the CLI's
 * loading (cli_graph_load without the progress line). The index sidecar
 * (load/) will be chosen here. */
/* The dump, or its index when a valid one is beside it (load_graph_indexed: written by the CLI's
 * first analysis or `heapsnap index`; load() itself writes none, so it stays as quick as a load). */
static graph_status apy_load_graph(const char *path, graph *g, graph_load_error *err, char **dump_path,
                                   char **index_path)
{
    load_index_info info;
    graph_status st = load_graph_indexed(path, g, LOAD_INDEX_READ, NULL, &info, err);
    if (!st && info.used) { /* kept so that Block.referrers can add its part to it (apy_need_referrers) */
        *dump_path = strdup(path);
        *index_path = strdup(info.path);
        if (!*dump_path || !*index_path) free(*dump_path), free(*index_path), *dump_path = *index_path = NULL;
    }
    return st;
}

static PyObject *apy_load(PyObject *self, PyObject *arg)
{
    (void)self;
    PyObject *bytes = NULL, *text = NULL;
    if (!PyUnicode_FSConverter(arg, &bytes)) return NULL;
    if (!(text = PyUnicode_DecodeFSDefaultAndSize(PyBytes_AS_STRING(bytes), PyBytes_GET_SIZE(bytes)))) {
        Py_DECREF(bytes);
        return NULL;
    }
    if (strlen(PyBytes_AS_STRING(bytes)) != (size_t)PyBytes_GET_SIZE(bytes)) {
        Py_DECREF(bytes);
        Py_DECREF(text);
        PyErr_SetString(PyExc_ValueError, "embedded null byte in the path");
        return NULL;
    }
    apy_snapshot *s = PyObject_New(apy_snapshot, &apy_snapshot_type);
    if (!s) {
        Py_DECREF(bytes);
        Py_DECREF(text);
        return NULL;
    }
    memset((char *)s + sizeof(PyObject), 0, sizeof *s - sizeof(PyObject));
    s->path = text;
    graph_load_error err;
    graph_status st;
    const char *p = PyBytes_AS_STRING(bytes);
    s->busy = 1;
    Py_BEGIN_ALLOW_THREADS
    st = apy_load_graph(p, &s->g, &err, &s->dump_path, &s->index_path);
    Py_END_ALLOW_THREADS
    s->busy = 0;
    Py_DECREF(bytes);
    if (st) {
        PyObject *exc = st == GRAPH_ERR_NOMEM                                  ? PyExc_MemoryError
                        : st == GRAPH_ERR_INPUT && err.reader_status == HS_ERR_IO ? PyExc_OSError
                        : st == GRAPH_ERR_INPUT && err.reader_status == HS_ERR_NOMEM ? PyExc_MemoryError
                                                                                   : PyExc_ValueError;
        apy_error(exc, s->path, err.message);
        Py_DECREF(s);
        return NULL;
    }
    s->open = true;
    return (PyObject *)s;
}

static PyMethodDef apy_methods[] = {
    {"load", apy_load, METH_O,
     "load(path) -> Snapshot\n\nLoad an .hsnap (or a V8 .heapsnapshot) into the analyzer's graph, as the heapsnap CLI "
     "does. A file it cannot read raises OSError, a bad one ValueError, with the CLI's one-line message."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef apy_module = {
    PyModuleDef_HEAD_INIT, "heapsnap._analyze",
    "The analyzer (analyze/ in C) for Python: load() a snapshot, then ask it (docs/python.md).", -1, apy_methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__analyze(void);
PyMODINIT_FUNC PyInit__analyze(void)
{
    if (PyType_Ready(&apy_snapshot_type) < 0 || PyType_Ready(&apy_block_type) < 0 || PyType_Ready(&apy_iter_type) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&apy_module);
    if (!m) return NULL;
    Py_INCREF(&apy_snapshot_type);
    Py_INCREF(&apy_block_type);
    if (PyModule_AddObject(m, "Snapshot", (PyObject *)&apy_snapshot_type) < 0 ||
        PyModule_AddObject(m, "Block", (PyObject *)&apy_block_type) < 0 || apy_records_init(m) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
