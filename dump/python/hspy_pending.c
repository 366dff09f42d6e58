/* SPDX-License-Identifier: MIT */
/*
 * dump/python/hspy_pending.c — ask the main thread to run a callable at its
 * next bytecode boundary (Py_AddPendingCall), so a dump requested by a
 * watchdog thread runs where the interpreter is between two instructions
 * and the GIL is held in a consistent state. Entry point:
 * heapsnap._heapsnap.pending_call() (hspy_py_pending_call). See
 * docs/python.md#postmortem.
 *
 * CPython 3.10-3.12 recompute their "eval breaker" in the calling thread
 * when a call is added, and only the main thread may run pending calls, so
 * a call added from another thread would wait until something else (a
 * signal, a GIL switch request) trips the main thread's check. We trip it
 * at once (hspy_cpy_wake_main), as the signal path does: the main thread
 * runs the call at its next check; other threads that meet the flag first
 * find the call is not theirs and carry on. 3.13 sets the main thread's
 * own flag in Py_AddPendingCall.
 *
 * The call never raises into the interrupted code: an exception from the
 * callable is reported as unraisable and the pending call returns 0. A call
 * still queued when the interpreter finalizes is never run (its reference
 * is leaked, which is harmless at that point).
 */
#include "hspy.h"

#include <stdlib.h>

typedef struct pending {
    PyObject *fn;
} pending;

static int run_pending(void *arg)
{
    pending *p = arg;
    PyObject *fn = p->fn;
    free(p);
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb); /* nothing should be set; keep it if it is */
    PyObject *r = PyObject_CallNoArgs(fn);
    if (r) Py_DECREF(r);
    else PyErr_WriteUnraisable(fn);
    Py_DECREF(fn);
    PyErr_Restore(type, value, tb);
    return 0;
}

/* pending_call(fn) -> None: queue fn() for the main thread. Raises
 * RuntimeError when CPython's queue of pending calls is full. */
PyObject *hspy_py_pending_call(PyObject *module, PyObject *fn)
{
    (void)module;
    if (!PyCallable_Check(fn)) {
        PyErr_SetString(PyExc_TypeError, "heapsnap: pending_call() wants a callable");
        return NULL;
    }
    pending *p = malloc(sizeof *p);
    if (!p) return PyErr_NoMemory();
    Py_INCREF(fn);
    p->fn = fn;
    if (Py_AddPendingCall(run_pending, p) < 0) {
        Py_DECREF(fn);
        free(p);
        PyErr_SetString(PyExc_RuntimeError, "heapsnap: the queue of pending calls is full");
        return NULL;
    }
    hspy_cpy_wake_main(PyInterpreterState_Get());
    Py_RETURN_NONE;
}
