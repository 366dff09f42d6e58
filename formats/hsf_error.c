/* SPDX-License-Identifier: MIT */
/*
 * formats/hsf_error.c — status names (hs_strerror), the error-filling helper
 * behind HSF_RETURN_ERROR_IF, record-kind names and the library version.
 */
#include "hsf_internal.h"

#include <stdio.h>
#include <string.h>

unsigned hs_version_number(void) { return HS_LIB_VERSION_NUMBER; }

const char *hs_strerror(hs_status code)
{
    switch (code) {
    case HS_OK: return "success";
    case HS_END: return "end of snapshot";
    case HS_ERR_NOMEM: return "out of memory";
    case HS_ERR_IO: return "input/output error";
    case HS_ERR_ARG: return "invalid argument";
    case HS_ERR_STATE: return "call not valid in this state";
    case HS_ERR_MAGIC: return "not a heapsnap file";
    case HS_ERR_VERSION: return "unsupported format version";
    case HS_ERR_TRUNCATED: return "truncated input";
    case HS_ERR_ZSTD: return "corrupt compressed stream";
    case HS_ERR_CBOR: return "malformed CBOR";
    case HS_ERR_RECORD: return "invalid record";
    case HS_ERR_UNDECLARED: return "reference to an undeclared item";
    case HS_ERR_COUNT: return "record count mismatch";
    case HS_ERR_CHECKSUM: return "checksum mismatch";
    case HS_ERR_LIMIT: return "limit exceeded";
    case HS_ERR_TRAILING: return "trailing data";
    }
    return "unknown status";
}

hs_status hsf_set_verror(hs_error *err, hs_status code, const char *fmt, va_list ap)
{
    if (!err) return code;
    err->code = code;
    int n = vsnprintf(err->message, sizeof err->message, fmt, ap);
    if (n < 0) snprintf(err->message, sizeof err->message, "%s", hs_strerror(code));
    /* keep it one line whatever the inputs were */
    for (char *p = err->message; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    return code;
}

hs_status hsf_set_error(hs_error *err, hs_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hs_status st = hsf_set_verror(err, code, fmt, ap);
    va_end(ap);
    return st;
}

const char *hsf_record_name(uint64_t kind)
{
    switch (kind) {
    case HS_REC_HEADER: return "header";
    case HS_REC_STRING: return "string";
    case HS_REC_TYPE: return "type";
    case HS_REC_FRAME: return "frame";
    case HS_REC_SITE: return "site";
    case HS_REC_BLOCK: return "block";
    case HS_REC_REFS: return "refs";
    case HS_REC_ROOT: return "root";
    case HS_REC_VALUE: return "value";
    case HS_REC_TRAILER: return "trailer";
    default: return "unknown";
    }
}
