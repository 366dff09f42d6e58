/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_reader.c — libFuzzer target: any bytes given to the
 * reader must end in HS_END or an error with a one-line message, never a
 * crash, a hang or an unbounded allocation; every accessor stays safe.
 */
#include "hs_format.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hs_reader_limits lim;
    hs_reader_limits_default(&lim);
    lim.ratio_grace = 1u << 20; /* keep each run small */
    lim.max_string = 1u << 20;
    hs_reader *r = NULL;
    hs_status st = hs_reader_open_mem(data, size, "fuzz", &lim, &r);
    hs_record rec;
    while (st == HS_OK) {
        st = hs_reader_next(r, &rec);
        if (st != HS_OK) break;
        if (rec.kind == HS_REC_BLOCK)
            for (uint32_t i = 0; i < rec.u.block.nrefs; i++)
                if (rec.u.block.refs[i].label_type == HS_LABEL_STRING &&
                    !hs_reader_string(r, (uint32_t)rec.u.block.refs[i].label, NULL))
                    abort(); /* the reader validated this id */
        if (rec.kind == HS_REC_BLOCK && !hs_reader_type(r, rec.u.block.type)) abort();
    }
    if (r) {
        const hs_error *e = hs_reader_error(r);
        if (st != HS_END && (st == HS_OK || !e->message[0] || strchr(e->message, '\n'))) abort();
        (void)hs_reader_header(r);
        (void)hs_reader_string(r, 0, NULL);
        (void)hs_reader_site(r, 0, NULL);
        hs_reader_close(r);
    }
    return 0;
}
