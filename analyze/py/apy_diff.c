/* SPDX-License-Identifier: MIT */
/*
 * analyze/py/apy_diff.c — Snapshot.diff(after): what grew between two
 * snapshots, the owner, type, site and new-object views of `heapsnap diff --json`
 * (diff_build2, diff_groups_merge, diff_owners, diff_types_merge, diff_sites_merge,
 * diff_new_blocks, diff_clusters; names by out_diff_name). Both files are
 * loaded again by the comparison, as the CLI does (two at once, with the
 * GIL released). See docs/python.md#analysing-a-dump-from-python and docs/diff.md.
 */
#include "py/apy.h"
#include "out/out_diff.h"

#include <stdlib.h>
#include <string.h>

/* The file of a Snapshot or a path-like, fs-encoded (a new bytes object). */
static PyObject *path_bytes(PyObject *o)
{
    PyObject *b = NULL;
    if (PyObject_TypeCheck(o, &apy_snapshot_type)) o = ((apy_snapshot *)o)->path;
    if (!PyUnicode_FSConverter(o, &b)) return NULL;
    return b;
}

static PyObject *ba(uint64_t before, uint64_t after)
{
    return Py_BuildValue("(KK)", (unsigned long long)before, (unsigned long long)after);
}

static PyObject *str_or_none(const char *s) { return s ? apy_name(s) : Py_NewRef(Py_None); }

static PyObject *addr_or_none(const graph *g, uint32_t v)
{
    return v < g->n ? PyLong_FromUnsignedLongLong(graph_addr(g, v)) : Py_NewRef(Py_None);
}

static PyObject *owners_list(const diff_snap *b, const diff_snap *a, uint64_t thr, uint32_t n)
{
    uint32_t no = 0;
    diff_owner *o = diff_owners(&a->groups, thr, n, &no);
    if (!o) return PyErr_NoMemory();
    PyObject *list = PyList_New(no);
    char t[256];
    for (uint32_t i = 0; list && i < no; i++) {
        const diff_group *gr = &a->groups.v[o[i].group];
        uint32_t v = gr->example;
        char *name = out_diff_name(a, v);
        const char *et = o[i].entries_type ? out_diff_type_of_hash2(a, b, o[i].entries_type) : NULL;
        if (o[i].entries_type && !et) et = "?"; /* as the CLI's JSON */
        PyObject *r = apy_record(&apy_owner_type, 9, apy_name(name ? name : "?"), apy_name(out_type_name(&a->g, v, t, sizeof t)),
                                 PyLong_FromLongLong(o[i].entries), str_or_none(et),
                                 PyLong_FromLongLong(o[i].children_added), PyLong_FromLongLong(o[i].growth),
                                 ba(gr->count[0], gr->count[1]), ba(gr->retained[0], gr->retained[1]),
                                 addr_or_none(&a->g, v));
        free(name);
        if (!r) Py_CLEAR(list);
        else PyList_SET_ITEM(list, i, r);
    }
    free(o);
    return list;
}

static int append(PyObject *list, PyObject *r)
{
    int rc = r ? PyList_Append(list, r) : -1;
    Py_XDECREF(r);
    return rc;
}

/* The sites whose bytes grew by thr or more, at most n (0: all), as
 * `diff --by site` lists them; None (a new reference) when either file
 * carries no site. */
static PyObject *sites_list(const diff_snap *b, const diff_snap *a, uint64_t thr, uint32_t n)
{
    if (!b->has_sites || !a->has_sites) Py_RETURN_NONE;
    uint32_t ns = 0;
    diff_site *st = diff_sites_merge(b, a, &ns);
    if (!st) return PyErr_NoMemory();
    PyObject *list = PyList_New(0);
    for (uint32_t i = 0, shown = 0; list && i < ns && (!n || shown < n); i++) {
        if (st[i].bytes[1] <= st[i].bytes[0] || st[i].bytes[1] - st[i].bytes[0] < thr) continue;
        if (append(list, apy_record(&apy_sitedelta_type, 3, apy_name(st[i].text), ba(st[i].count[0], st[i].count[1]),
                                    ba(st[i].bytes[0], st[i].bytes[1])))) {
            Py_CLEAR(list);
            break;
        }
        shown++;
    }
    for (uint32_t i = 0; i < ns; i++) free(st[i].text);
    free(st);
    return list;
}

PyObject *apy_diff(apy_snapshot *s, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"after", "n", "min_bytes", "noise", "group_by", NULL};
    PyObject *after, *noise_o = Py_None;
    unsigned long long n = 10, min = 0;
    const char *group = "line";
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O|KKOs:diff", kwlist, &after, &n, &min, &noise_o, &group))
        return NULL;
    if (apy_usable(s)) return NULL;
    diff_group_by by;
    if (!strcmp(group, "line")) by = DIFF_BY_LINE;
    else if (!strcmp(group, "file")) by = DIFF_BY_FILE;
    else if (!strcmp(group, "traceback")) by = DIFF_BY_TRACEBACK;
    else {
        PyErr_Format(PyExc_ValueError, "diff: group_by takes 'line', 'file' or 'traceback', not '%s'", group);
        return NULL;
    }
    uint64_t noise_opt = DIFF_NOISE_AUTO;
    if (noise_o != Py_None) {
        noise_opt = PyLong_AsUnsignedLongLong(noise_o);
        if (noise_opt == (uint64_t)-1 && PyErr_Occurred()) return NULL;
    }
    if (n > 1000000) n = 1000000;
    PyObject *pb = path_bytes((PyObject *)s), *pa = path_bytes(after);
    if (!pb || !pa) {
        Py_XDECREF(pb);
        Py_XDECREF(pa);
        return NULL;
    }
    char *paths[2] = {PyBytes_AS_STRING(pb), PyBytes_AS_STRING(pa)};
    diff_snap *b = calloc(1, sizeof *b), *a = calloc(1, sizeof *a);
    PyObject *result = NULL, *owners = NULL, *types = NULL, *by_type = NULL, *by_owner = NULL, *sites = NULL;
    diff_type *ty = NULL;
    uint32_t nt = 0;
    uint8_t *newbits = NULL;
    diff_cluster *cl = NULL;
    if (!a || !b) {
        PyErr_NoMemory();
        goto done;
    }
    const diff_snap *bad;
    /* as cmd_diff with its four views: BEFORE keeps keys, AFTER its graph */
    unsigned idk = diff_key_mode(paths, 2);
    unsigned wb = idk | DIFF_GROUPS | DIFF_KEYS | DIFF_SITES, wa = DIFF_KEEP_GRAPH | idk | DIFF_GROUPS | DIFF_SITES;
    s->busy++;
    Py_BEGIN_ALLOW_THREADS
    bad = diff_build2(b, paths[0], 0, wb, a, paths[1], 1, wa, by);
    Py_END_ALLOW_THREADS
    s->busy--;
    if (bad) {
        PyErr_Format(bad->status == GRAPH_ERR_NOMEM ? PyExc_MemoryError : PyExc_ValueError, "heapsnap: '%s': %s",
                     bad->path, bad->message);
        goto done;
    }
    uint64_t noise = diff_noise(noise_opt, b, a), thr = noise > min ? noise : min;
    if (!(newbits = diff_new_blocks(b, a)) || !(ty = diff_types_merge(b, a, &nt)) ||
        diff_groups_merge(&a->groups, &b->groups)) {
        PyErr_NoMemory();
        goto done;
    }
    if (!(owners = owners_list(b, a, thr, (uint32_t)n))) goto done;
    /* types whose shallow bytes grew by the threshold or more, in diff_types_merge's order */
    if (!(types = PyList_New(0))) goto done;
    for (uint32_t i = 0, shown = 0; i < nt && (!n || shown < n); i++) {
        const diff_type *t = &ty[i];
        if (t->shallow[1] <= t->shallow[0] || t->shallow[1] - t->shallow[0] < thr) continue;
        if (append(types, apy_record(&apy_typedelta_type, 4, apy_name(t->name), ba(t->count[0], t->count[1]),
                                     ba(t->shallow[0], t->shallow[1]), ba(t->retained[0], t->retained[1]))))
            goto done;
        shown++;
    }
    /* allocation sites whose bytes grew by the threshold or more (None
     * when either file has none), in diff_sites_merge's order */
    if (!(sites = sites_list(b, a, thr, (uint32_t)n))) goto done;
    /* new objects: by type, then clustered by owner */
    uint32_t ncl = 0;
    uint64_t objs = 0, bytes = 0;
    if (!(cl = diff_clusters(a, diff_new_bit, newbits, thr, &ncl, &objs, &bytes))) {
        PyErr_NoMemory();
        goto done;
    }
    diff_types_sort_new(ty, nt);
    if (!(by_type = PyList_New(0)) || !(by_owner = PyList_New(0))) goto done;
    for (uint32_t i = 0, shown = 0; i < nt && (!n || shown < n); i++) {
        if (!ty[i].new_bytes || ty[i].new_bytes < thr) continue;
        if (append(by_type, apy_record(&apy_newtype_type, 3, apy_name(ty[i].name),
                                       PyLong_FromUnsignedLongLong(ty[i].new_count),
                                       PyLong_FromUnsignedLongLong(ty[i].new_bytes))))
            goto done;
        shown++;
    }
    uint32_t m = n && ncl > n ? (uint32_t)n : ncl;
    char t[256];
    for (uint32_t i = 0; i < m; i++) {
        const diff_cluster *k = &cl[i];
        uint32_t owner = a->g.idom[k->example];
        char *name = out_diff_name(a, owner);
        const char *tn = out_diff_type_of_hash2(a, b, k->type_hash);
        int rc = append(by_owner, apy_record(&apy_cluster_type, 8, apy_name(name ? name : "?"),
                                             apy_name(out_type_name(&a->g, owner, t, sizeof t)), apy_name(tn ? tn : "?"),
                                             PyLong_FromUnsignedLongLong(k->top), PyLong_FromUnsignedLongLong(k->objects),
                                             PyLong_FromUnsignedLongLong(k->bytes),
                                             PyLong_FromUnsignedLongLong(k->retained), addr_or_none(&a->g, k->example)));
        free(name);
        if (rc) goto done;
    }
    result = apy_record(&apy_diff_type, 11, PyUnicode_DecodeFSDefault(paths[0]), PyUnicode_DecodeFSDefault(paths[1]),
                        PyLong_FromUnsignedLongLong(noise), owners, types, PyLong_FromUnsignedLongLong(objs),
                        PyLong_FromUnsignedLongLong(bytes), by_type, by_owner, sites, PyUnicode_FromString(group));
    owners = types = by_type = by_owner = sites = NULL; /* stolen */
done:
    Py_XDECREF(owners);
    Py_XDECREF(types);
    Py_XDECREF(by_type);
    Py_XDECREF(by_owner);
    Py_XDECREF(sites);
    free(cl);
    free(newbits);
    if (ty)
        for (uint32_t i = 0; i < nt; i++) free(ty[i].name);
    free(ty);
    if (a) diff_snap_release(a);
    if (b) diff_snap_release(b);
    free(a);
    free(b);
    Py_DECREF(pa);
    Py_DECREF(pb);
    return result;
}
