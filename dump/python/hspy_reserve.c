/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_reserve.c — the post-mortem reserve: address space taken
 * up front (one anonymous private mapping, never touched, so it adds to
 * the virtual size and the commit charge but not to the resident set) and
 * given back just before a dump in a process that ran out of memory, so
 * the walker's buffers, its visited set and the writer's compressor find
 * room. Entry points: heapsnap._heapsnap.reserve() (hspy_py_reserve) and
 * hspy_reserve_release(). See docs/python.md#postmortem.
 *
 * A mapping rather than malloc: munmap returns the space to the kernel at
 * once, whatever the allocator's trim and mmap thresholds are, and under
 * RLIMIT_AS or strict overcommit that space is exactly what a later
 * malloc needs.
 */
#include "hspy.h"

#include <sys/mman.h>

void hspy_reserve_release(hspy_module_state *ms)
{
    if (ms->reserve) munmap(ms->reserve, ms->reserve_size);
    ms->reserve = NULL;
    ms->reserve_size = 0;
}

/* reserve(nbytes=None) -> int: with nbytes, drop any reserve held and take
 * a new one of nbytes (0 only drops it); raises MemoryError if the space is
 * not there. Returns the bytes held now. */
PyObject *hspy_py_reserve(PyObject *module, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = {"nbytes", NULL};
    PyObject *n = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", kwlist, &n)) return NULL;
    hspy_module_state *ms = PyModule_GetState(module);
    if (n != Py_None) {
        Py_ssize_t want = PyNumber_AsSsize_t(n, PyExc_OverflowError);
        if (want == -1 && PyErr_Occurred()) return NULL;
        if (want < 0) {
            PyErr_SetString(PyExc_ValueError, "heapsnap: reserve size must be >= 0");
            return NULL;
        }
        hspy_reserve_release(ms);
        if (want > 0) {
            void *p = mmap(NULL, (size_t)want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) {
                PyErr_Format(PyExc_MemoryError, "heapsnap: cannot reserve %zd bytes", want);
                return NULL;
            }
            ms->reserve = p;
            ms->reserve_size = (size_t)want;
        }
    }
    return PyLong_FromSize_t(ms->reserve_size);
}
