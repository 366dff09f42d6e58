/* SPDX-License-Identifier: MIT */
/*
 * tests/helpers/hsjson.c — test-only decoder: reads a .hsnap with the
 * hs_reader_* API (formats/hs_format.h) and prints one JSON object per line
 * for the header, each type, site, block (with its references and labels
 * resolved), continuation refs, root, value and the trailer, so the Python
 * tests (tests/python/) can check the graph of a real dump while the
 * analyzer is not available. Exit status 0, or 1 with the reader's error on
 * stderr. Usage: hsjson FILE.
 */
#include "hs_format.h"

#include <stdio.h>
#include <string.h>

static hs_reader *r;

static void jstr(const char *s, size_t n)
{
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20 || c == 0x7f) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static void jsid(uint32_t id)
{
    size_t n;
    const char *s = id == HS_NONE ? NULL : hs_reader_string(r, id, &n);
    if (s) jstr(s, n);
    else fputs("null", stdout);
}

static void jrefs(const hs_ref *refs, uint32_t n)
{
    putchar('[');
    for (uint32_t i = 0; i < n; i++) {
        const hs_ref *x = &refs[i];
        printf("%s{\"to\":%llu,\"kind\":%u,\"label\":", i ? "," : "", (unsigned long long)x->to, x->kind);
        if (x->label_type == HS_LABEL_STRING) jsid((uint32_t)x->label);
        else if (x->label_type == HS_LABEL_INDEX) printf("%llu", (unsigned long long)x->label);
        else fputs("null", stdout);
        putchar('}');
    }
    putchar(']');
}

static void jtags(const hs_tag *t, size_t n)
{
    putchar('{');
    for (size_t i = 0; i < n; i++) {
        if (i) putchar(',');
        jstr(t[i].key, strlen(t[i].key));
        putchar(':');
        jstr(t[i].value, strlen(t[i].value));
    }
    putchar('}');
}

static void jopt(const char *s)
{
    if (s) jstr(s, strlen(s));
    else fputs("null", stdout);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: hsjson FILE\n");
        return 2;
    }
    hs_status st = hs_reader_open(argv[1], NULL, &r);
    hs_record rec;
    while (st == HS_OK && (st = hs_reader_next(r, &rec)) == HS_OK) {
        switch (rec.kind) {
        case HS_REC_HEADER: {
            const hs_header *h = rec.u.header;
            fputs("{\"kind\":\"header\",\"producer\":", stdout);
            jopt(h->producer);
            fputs(",\"runtime\":", stdout);
            jopt(h->runtime);
            printf(",\"pid\":%llu,\"tags\":", (unsigned long long)h->pid);
            jtags(h->tags, h->ntags);
            puts("}");
            break;
        }
        case HS_REC_STRING:
            break;
        case HS_REC_TYPE: {
            const hs_type *t = &rec.u.type.type;
            printf("{\"kind\":\"type\",\"id\":%u,\"name\":", rec.u.type.id);
            jsid(t->name);
            fputs(",\"module\":", stdout);
            jsid(t->module);
            printf(",\"flags\":%u}\n", t->flags);
            break;
        }
        case HS_REC_FRAME: {
            const hs_frame *f = &rec.u.frame.frame;
            printf("{\"kind\":\"frame\",\"id\":%u,\"function\":", rec.u.frame.id);
            jsid(f->function);
            fputs(",\"file\":", stdout);
            jsid(f->file);
            printf(",\"line\":%u}\n", f->line);
            break;
        }
        case HS_REC_SITE:
            printf("{\"kind\":\"site\",\"id\":%u,\"frames\":[", rec.u.site.id);
            for (uint32_t i = 0; i < rec.u.site.nframes; i++) printf("%s%u", i ? "," : "", rec.u.site.frames[i]);
            puts("]}");
            break;
        case HS_REC_BLOCK:
            printf("{\"kind\":\"block\",\"addr\":%llu,\"size\":%llu,\"type\":%u,\"flags\":%u,\"site\":",
                   (unsigned long long)rec.u.block.addr, (unsigned long long)rec.u.block.size, rec.u.block.type,
                   rec.u.block.flags);
            if (rec.u.block.site == HS_NONE) fputs("null", stdout);
            else printf("%u", rec.u.block.site);
            fputs(",\"refs\":", stdout);
            jrefs(rec.u.block.refs, rec.u.block.nrefs);
            puts("}");
            break;
        case HS_REC_REFS:
            printf("{\"kind\":\"refs\",\"from\":%llu,\"refs\":", (unsigned long long)rec.u.refs.from);
            jrefs(rec.u.refs.refs, rec.u.refs.nrefs);
            puts("}");
            break;
        case HS_REC_ROOT:
            printf("{\"kind\":\"root\",\"addr\":%llu,\"root_kind\":%u,\"name\":", (unsigned long long)rec.u.root.addr,
                   rec.u.root.kind);
            jsid(rec.u.root.name);
            printf(",\"count\":%llu}\n", (unsigned long long)rec.u.root.count);
            break;
        case HS_REC_VALUE:
            printf("{\"kind\":\"value\",\"addr\":%llu,", (unsigned long long)rec.u.value.addr);
            switch (rec.u.value.type) {
            case HS_VALUE_TEXT:
                fputs("\"text\":", stdout);
                jstr(rec.u.value.data, rec.u.value.len);
                printf(",\"full_len\":%llu}\n", (unsigned long long)rec.u.value.full_len);
                break;
            case HS_VALUE_BYTES:
                fputs("\"bytes_hex\":\"", stdout);
                for (size_t i = 0; i < rec.u.value.len; i++) printf("%02x", ((const unsigned char *)rec.u.value.data)[i]);
                printf("\",\"full_len\":%llu}\n", (unsigned long long)rec.u.value.full_len);
                break;
            case HS_VALUE_INT:
                printf("\"int\":%lld}\n", (long long)rec.u.value.i);
                break;
            case HS_VALUE_FLOAT: /* Python's json reads NaN and Infinity */
                if (rec.u.value.f != rec.u.value.f) puts("\"float\":NaN}");
                else if (rec.u.value.f > 1.7976931348623157e308) puts("\"float\":Infinity}");
                else if (rec.u.value.f < -1.7976931348623157e308) puts("\"float\":-Infinity}");
                else printf("\"float\":%.17g}\n", rec.u.value.f);
                break;
            }
            break;
        case HS_REC_TRAILER: {
            const hs_counts *c = &rec.u.trailer.counts;
            printf("{\"kind\":\"trailer\",\"blocks\":%llu,\"refs\":%llu,\"roots\":%llu,\"values\":%llu,"
                   "\"total_shallow\":%llu,\"end_tags\":",
                   (unsigned long long)c->blocks, (unsigned long long)c->refs, (unsigned long long)c->roots,
                   (unsigned long long)c->values, (unsigned long long)rec.u.trailer.total_shallow);
            jtags(rec.u.trailer.tags, rec.u.trailer.ntags);
            puts("}");
            break;
        }
        }
    }
    if (st != HS_END) {
        const hs_error *e = r ? hs_reader_error(r) : NULL;
        fprintf(stderr, "hsjson: '%s': %s\n", argv[1], e ? e->message : hs_strerror(st));
        hs_reader_close(r);
        return 1;
    }
    hs_reader_close(r);
    return 0;
}
