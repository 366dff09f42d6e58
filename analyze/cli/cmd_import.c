/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cmd_import.c — `heapsnap import FILE.heapsnapshot -o FILE.hsnap`:
 * read a V8 heap snapshot with the streaming reader (v8_read.c) and write
 * it as .hsnap through the codec's encoder, atomically (v8_hsnap.c).
 * See docs/cli.md#import and docs/v8.md.
 */
#include "cli/cli.h"
#include "v8/v8_read.h"

#include <string.h>

typedef struct import_options {
    const char *out;
} import_options;

static const import_options import_defaults = {0};

static const cli_opt import_opts[] = {
    {"output", 'o', CLI_STRING, CLI_FIELD(import_options, out), "FILE", "the .hsnap file to write (required)"},
};

static const cli_cmd import_cmd = {
    "import", "heapsnap import FILE.heapsnapshot -o FILE.hsnap",
    "Convert a V8 heap snapshot (Chrome DevTools, node's v8.writeHeapSnapshot()) into an .hsnap file.",
    import_opts, sizeof import_opts / sizeof import_opts[0], 1, 1, &import_defaults, sizeof import_defaults,
};

int cmd_import(int argc, char **argv)
{
    char *args[1];
    int nargs;
    import_options o;
    int rc = cli_parse(&import_cmd, argc, argv, &o, args, &nargs);
    if (rc) return rc < 0 ? HS_EXIT_OK : rc;
    if (!o.out || !*o.out) {
        fprintf(stderr, "heapsnap import: missing -o FILE\n");
        cli_print_help(&import_cmd, stderr);
        return HS_EXIT_USAGE;
    }
    char err[V8_ERR_MAX];
    const char *in = cli_open_path(args[0]); /* "-": standard input */
    if (!in) return HS_EXIT_BAD_INPUT;
    int st = v8_convert_file(in, o.out, err);
    if (st == -2) {
        fputs("heapsnap: ", stderr); /* the message names the output file */
        out_text_safe(stderr, err, strlen(err));
        fputc('\n', stderr);
        return HS_EXIT_BAD_INPUT;
    }
    if (st) {
        fprintf(stderr, "heapsnap: '");
        out_text_safe(stderr, args[0], strlen(args[0]));
        fprintf(stderr, "': %s\n", err);
        return HS_EXIT_BAD_INPUT;
    }
    return HS_EXIT_OK;
}
