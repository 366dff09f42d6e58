/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_records.c — libFuzzer target for the record layer: the
 * input is a raw CBOR record stream, which is wrapped in a valid prefix and
 * zstd frame before the reader sees it, so mutations reach the CBOR and
 * record validation instead of stopping at zstd's checks. Same invariants
 * as fuzz_reader: HS_END or a one-line error, never a crash.
 */
#include "hs_format.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t cap = HS_PREFIX_LEN + ZSTD_compressBound(size);
    uint8_t *file = malloc(cap);
    if (!file) return 0;
    memcpy(file, HS_MAGIC, HS_MAGIC_LEN);
    file[HS_MAGIC_LEN] = HS_FORMAT_VERSION_MAJOR;
    file[HS_MAGIC_LEN + 1] = 0;
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, 1);
    ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    size_t n = ZSTD_compress2(cc, file + HS_PREFIX_LEN, cap - HS_PREFIX_LEN, data, size);
    ZSTD_freeCCtx(cc);
    if (ZSTD_isError(n)) abort();
    hs_reader_limits lim;
    hs_reader_limits_default(&lim);
    lim.ratio_grace = 1u << 20;
    lim.max_string = 1u << 20;
    hs_reader *r = NULL;
    hs_status st = hs_reader_open_mem(file, HS_PREFIX_LEN + n, "fuzz", &lim, &r);
    hs_record rec;
    while (st == HS_OK) st = hs_reader_next(r, &rec);
    if (r) {
        const hs_error *e = hs_reader_error(r);
        if (st != HS_END && (!e->message[0] || strchr(e->message, '\n'))) abort();
        hs_reader_close(r);
    }
    free(file);
    return 0;
}
