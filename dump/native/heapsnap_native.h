/* SPDX-License-Identifier: MIT */
/*
 * dump/native/heapsnap_native.h — the one call a traced program may make
 * into libheapsnap-preload.so: write a native heap snapshot now. See
 * docs/native.md#from-the-program.
 *
 * The declaration is weak, so a program built with it runs unchanged
 * without the preload library; test the function before calling it:
 *
 *     if (heapsnap_native_dump) heapsnap_native_dump("now.hsnap");
 *
 * heapsnap_native_dump(path) writes the snapshot to `path` (NULL: the next
 * name from HEAPSNAP_NATIVE_OUTPUT) and returns 0, or a non-zero hs_status
 * code of formats/hs_format.h (HS_ERR_IO, HS_ERR_NOMEM; HS_ERR_STATE when
 * the process is not traced, e.g. an untraced fork child). The path is
 * copied. Any thread may call it, not from a signal handler; concurrent
 * calls run one after the other. The caller's stack and registers are roots.
 *
 * heapsnap_native_type(block, name) names the type of a live block, in
 * place of its allocation site's function: 0, or HS_ERR_ARG when `block`
 * is not the start of a live block (or name is NULL or empty). The name is
 * copied (and kept for the process: use a few names, not one per block);
 * it goes with the block until free() or realloc().
 */
#ifndef HEAPSNAP_NATIVE_H
#define HEAPSNAP_NATIVE_H

#ifdef __cplusplus
extern "C" {
#endif

int heapsnap_native_dump(const char *path) __attribute__((weak));
int heapsnap_native_type(const void *block, const char *name) __attribute__((weak));

#ifdef __cplusplus
}
#endif
#endif /* HEAPSNAP_NATIVE_H */
