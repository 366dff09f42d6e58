/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_ext.c — the walker's side of heapsnap_ext.h: extension
 * types that describe the memory and references of their instances. A
 * type's record is a PyCapsule named HEAPSNAP_EXT_CAPSULE in the own dict
 * of the type or of a base along its MRO (the first one found, as an
 * attribute lookup would), looked up once per type and dump with plain
 * dict lookups (no Python code). Each instance met gets describe() called
 * after its block is written; what it gives is checked (NULL, empty or
 * >1 TiB blocks, NULL targets are ignored) and written as blocks and
 * labelled references of the instance. A record of an unknown layout (too
 * small, no describe) is refused, and the end tag ext_refused names the
 * type whose dict holds it. Entry points: hspy_ext_record, hspy_ext_describe.
 * See docs/python.md#c-extensions.
 */
#include "hspy.h"
#include "heapsnap_ext.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define EXT_BLOCK_MAX ((size_t)1 << 40)
#define EXT_V1_SIZE (offsetof(heapsnap_ext_type, describe) + sizeof(void (*)(void)))

static void refuse(hspy_dump *d, PyTypeObject *tp, const char *why)
{
    if (!d->cext.ext_refused[0])
        snprintf(d->cext.ext_refused, sizeof d->cext.ext_refused, "%.100s: %s", tp->tp_name, why);
}

const void *hspy_ext_record(hspy_dump *d, PyTypeObject *tp)
{
    PyObject *mro = tp->tp_mro;
    if (!d->cext.s_attr || !mro || !PyTuple_Check(mro)) return NULL;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(mro); i++) {
        PyObject *b = PyTuple_GET_ITEM(mro, i);
        PyObject *bd = PyType_Check(b) ? hspy_cpy_type_dict((PyTypeObject *)b) : NULL;
        PyObject *cap = bd ? PyDict_GetItemWithError(bd, d->cext.s_attr) : NULL; /* str keys: no Python code */
        if (!cap) {
            PyErr_Clear();
            continue;
        }
        if (!PyCapsule_IsValid(cap, HEAPSNAP_EXT_CAPSULE)) {
            refuse(d, (PyTypeObject *)b, "not a " HEAPSNAP_EXT_CAPSULE " capsule");
            return NULL;
        }
        const heapsnap_ext_type *r = PyCapsule_GetPointer(cap, HEAPSNAP_EXT_CAPSULE);
        if (!r || r->size < EXT_V1_SIZE || r->version < 1 || !r->describe) {
            refuse(d, (PyTypeObject *)b, "record of an unknown layout");
            PyErr_Clear();
            return NULL;
        }
        d->cext.ext_types++;
        return r;
    }
    return NULL;
}

typedef struct ext_visit {
    heapsnap_ext_visitor v; /* first: the callbacks get its address */
    hspy_dump *d;
    uint64_t addr;          /* the instance */
} ext_visit;

/* The writer type of block name `name` ("module.name"), cached by pointer. */
static uint32_t block_type(hspy_dump *d, const char *name)
{
    hspy_cext *c = &d->cext;
    for (size_t i = 0; i < c->nbt; i++)
        if (c->bt_key[i] == name) return c->bt_id[i];
    if (c->nbt == sizeof c->bt_key / sizeof c->bt_key[0]) return HS_NONE;
    const char *dot = strrchr(name, '.');
    char mod[128];
    snprintf(mod, sizeof mod, "%.*s", dot ? (int)(dot - name) : 1, dot ? name : "?");
    uint32_t id = 0;
    HSPY_W(d, hs_writer_add_type(d->w, dot ? dot + 1 : name, mod, 0, &id));
    if (d->st != HS_OK) return HS_NONE;
    c->bt_key[c->nbt] = name;
    c->bt_id[c->nbt++] = id;
    return id;
}

static int ext_block(heapsnap_ext_visitor *v, const void *p, size_t size, const char *name, const char *label)
{
    ext_visit *x = (ext_visit *)v;
    hspy_dump *d = x->d;
    if (!p || !size || size > EXT_BLOCK_MAX || !name || d->st != HS_OK) return 0;
    uint32_t tid = block_type(d, name);
    if (tid == HS_NONE) return 0;
    uint64_t b = (uint64_t)(uintptr_t)p;
    HSPY_W(d, hs_writer_add_block(d->w, b, (uint64_t)size, tid, 0, HS_NONE));
    HSPY_W(d, hs_writer_add_ref_sid(d->w, x->addr, b, HS_REF_STRONG, label ? hspy_intern(d, label) : HS_NONE));
    d->nobjects++;
    d->nbytes += (uint64_t)size;
    d->nrefs++;
    return d->st == HS_OK ? 0 : -1;
}

static int ext_ref(heapsnap_ext_visitor *v, PyObject *target, const char *label)
{
    ext_visit *x = (ext_visit *)v;
    if (!target || x->d->st != HS_OK || x->d->nomem) return 0;
    hspy_ref_obj(x->d, x->addr, target, HS_REF_STRONG, label ? hspy_intern(x->d, label) : HS_NONE);
    return 0;
}

void hspy_ext_describe(hspy_dump *d, PyObject *o, const void *record, uint64_t addr)
{
    const heapsnap_ext_type *r = record;
    ext_visit x = {{sizeof(heapsnap_ext_visitor), HEAPSNAP_EXT_VERSION, ext_block, ext_ref}, d, addr};
    (void)r->describe(o, &x.v);
    if (PyErr_Occurred()) PyErr_Clear(); /* against the rules: not ours to raise */
}
