/* SPDX-License-Identifier: MIT */
/*
 * tests/python/ext/hsext.c — a C extension built for the tests only, the
 * worked example of dump/python/heapsnap_ext.h (docs/python.md#c-extensions).
 * hsext.Hidden(nbytes, obj) mallocs nbytes of its own and holds a strong
 * reference to obj; it is not a GC type, so no tp_traverse reports obj,
 * and sys.getsizeof counts neither. hsext.register() describes both to
 * heapsnap (the buffer as a block `hsext.<buffer>` labelled `<buffer>`,
 * obj as a reference labelled `hidden`); register(bad=True) attaches a
 * record of an unknown layout instead, which the walk must refuse.
 * buffer_address(h) is the buffer's address, for the tests to check.
 * Hidden can be subclassed in Python: the record is found along the MRO.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

#include "heapsnap_ext.h"

typedef struct {
    PyObject_HEAD
    char *buf;      /* malloc'ed, freed by dealloc */
    size_t size;
    PyObject *hidden; /* strong, not reported by any tp_traverse */
} Hidden;

static PyTypeObject *hidden_type;

static PyObject *hidden_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
    Py_ssize_t n;
    PyObject *obj;
    (void)kw;
    if (!PyArg_ParseTuple(args, "nO", &n, &obj)) return NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "nbytes must be >= 0");
        return NULL;
    }
    Hidden *h = (Hidden *)tp->tp_alloc(tp, 0);
    if (!h) return NULL;
    h->buf = n ? malloc((size_t)n) : NULL;
    if (n && !h->buf) {
        Py_DECREF(h);
        return PyErr_NoMemory();
    }
    if (n) memset(h->buf, 0xab, (size_t)n);
    h->size = (size_t)n;
    Py_INCREF(obj);
    h->hidden = obj;
    return (PyObject *)h;
}

static void hidden_dealloc(PyObject *self)
{
    Hidden *h = (Hidden *)self;
    PyTypeObject *tp = Py_TYPE(self);
    free(h->buf);
    Py_XDECREF(h->hidden);
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* The worked example: what heapsnap cannot see of a Hidden. */
static int hidden_describe(PyObject *self, heapsnap_ext_visitor *v)
{
    Hidden *h = (Hidden *)self;
    if (h->buf && v->block(v, h->buf, h->size, "hsext.<buffer>", "<buffer>") < 0) return -1;
    if (h->hidden && v->ref(v, h->hidden, "hidden") < 0) return -1;
    return 0;
}

static const heapsnap_ext_type hidden_ext = HEAPSNAP_EXT_TYPE_INIT(hidden_describe);
static const heapsnap_ext_type bad_ext = {4, HEAPSNAP_EXT_VERSION, hidden_describe}; /* size too small */

static PyObject *py_register(PyObject *m, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"bad", NULL};
    int bad = 0;
    (void)m;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|p", kwlist, &bad)) return NULL;
    if (heapsnap_ext_register(hidden_type, bad ? &bad_ext : &hidden_ext) < 0) return NULL;
    Py_RETURN_NONE;
}

static PyObject *py_buffer_address(PyObject *m, PyObject *o)
{
    (void)m;
    if (!PyObject_TypeCheck(o, hidden_type)) {
        PyErr_SetString(PyExc_TypeError, "not an hsext.Hidden");
        return NULL;
    }
    return PyLong_FromVoidPtr(((Hidden *)o)->buf);
}

static PyType_Slot hidden_slots[] = {
    {Py_tp_new, (void *)hidden_new},
    {Py_tp_dealloc, (void *)hidden_dealloc},
    {0, NULL},
};
static PyType_Spec hidden_spec = {"hsext.Hidden", sizeof(Hidden), 0, Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE, hidden_slots};

static PyMethodDef methods[] = {
    {"register", (PyCFunction)(void (*)(void))py_register, METH_VARARGS | METH_KEYWORDS,
     "register(bad=False): describe Hidden to heapsnap (bad: a record heapsnap must refuse)"},
    {"buffer_address", py_buffer_address, METH_O, "buffer_address(h) -> the address of h's buffer"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "hsext", "heapsnap_ext.h's test extension", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit_hsext(void);
PyMODINIT_FUNC PyInit_hsext(void)
{
    PyObject *m = PyModule_Create(&module);
    if (!m) return NULL;
    hidden_type = (PyTypeObject *)PyType_FromSpec(&hidden_spec);
    if (!hidden_type || PyModule_AddObject(m, "Hidden", (PyObject *)hidden_type) < 0) {
        Py_XDECREF(hidden_type);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(hidden_type); /* the module's reference was stolen; keep ours */
    return m;
}
