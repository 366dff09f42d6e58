/* SPDX-License-Identifier: MIT */
/*
 * dump/hs_sink_file.h — internal: the atomic file sink behind
 * hs_writer_open(). Bytes go to a temporary file beside the target; commit
 * fsyncs it, renames it over the target and fsyncs the directory (Redis's
 * rdbSave); discard unlinks it.
 */
#ifndef HS_SINK_FILE_H
#define HS_SINK_FILE_H

#include "hs_format.h"

#include <stdbool.h>

typedef struct hs_file_sink hs_file_sink;

hs_status hs_file_sink_open(const char *path, bool fsync_on_commit, hs_file_sink **out /* OUT */,
                            hs_error *err);
/* hs_sink_fn-compatible: `ud` is the hs_file_sink. */
hs_status hs_file_sink_write(void *ud, const void *data, size_t len);
/* The error of the last failed write, or NULL. */
const hs_error *hs_file_sink_error(const hs_file_sink *s);
/* Commit and free. On failure the temporary file is removed. */
hs_status hs_file_sink_commit(hs_file_sink *s, hs_error *err);
/* Remove the temporary file and free; NULL is a no-op. */
void hs_file_sink_discard(hs_file_sink *s);

#endif /* HS_SINK_FILE_H */
