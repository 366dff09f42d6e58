/* SPDX-License-Identifier: MIT */
/*
 * analyze/cli/cli_opts.c — the option table parser shared by every subcommand:
 * --long, --long=value, --long value, -s value, -sVALUE, "--" ends options;
 * options and positional arguments may be mixed. A long option may be
 * shortened to any prefix that names one option (--jso is --json; an
 * ambiguous one is a usage error listing the candidates), and a boolean
 * has a negative form, --no-X (for one named no-X, --X), which sets it
 * back to false, so the last of the two wins (git). The same table prints
 * --help, so a command's options are declared once (git parse-options), with their
 * defaults in one const struct the help text reads.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli/cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *cli_summary_line;

static void *field(const cli_opt *o, void *opts) { return (char *)opts + o->offset; }

/* An option's help, "%D" replaced by its default. */
static void print_help_text(const cli_cmd *cmd, const cli_opt *o, FILE *out)
{
    for (const char *p = o->help; *p; p++) {
        if (p[0] != '%' || p[1] != 'D') {
            fputc(*p, out);
            continue;
        }
        p++;
        const void *d = (const char *)cmd->defaults + o->offset;
        if (o->type == CLI_UINT) fprintf(out, "%llu", (unsigned long long)*(const uint64_t *)d);
        else if (o->type == CLI_STRING) fputs(*(const char *const *)d ? *(const char *const *)d : "none", out);
        else fputs(*(const bool *)d ? "on" : "off", out);
    }
}

void cli_print_help(const cli_cmd *cmd, FILE *out)
{
    fprintf(out, "usage: %s\n\n%s\n", cmd->usage, cmd->summary);
    if (!cmd->nopts) return;
    fprintf(out, "\noptions:\n");
    for (int i = 0; i < cmd->nopts; i++) {
        const cli_opt *o = &cmd->opts[i];
        char left[64];
        int n = 0;
        if (o->short_name) n = snprintf(left, sizeof left, "-%c, ", o->short_name);
        else n = snprintf(left, sizeof left, "    ");
        snprintf(left + n, sizeof left - (size_t)n, "--%s%s%s", o->long_name, o->arg_name ? " " : "",
                 o->arg_name ? o->arg_name : "");
        fprintf(out, "  %-24s ", left);
        print_help_text(cmd, o, out);
        fputc('\n', out);
    }
    fprintf(out, "  %-24s %s\n", "-h, --help", "show this help");
}

static int usage_error(const cli_cmd *cmd, const char *fmt, const char *arg)
{
    fprintf(stderr, "heapsnap %s: ", cmd->name);
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nusage: %s\n", cmd->usage);
    return HS_EXIT_USAGE;
}

/* The negative form of boolean option o into buf: "no-json", or "exit-dump" for "no-exit-dump". */
static const char *negative_name(const cli_opt *o, char *buf, size_t cap)
{
    if (strncmp(o->long_name, "no-", 3) == 0) return o->long_name + 3;
    snprintf(buf, cap, "no-%s", o->long_name);
    return buf;
}

/* The option a long name (len bytes of name, without "--") stands for: an
 * exact name or negative form first, else the one option it is a prefix of.
 * *neg: the negative form was meant. NULL with *ambiguous set when the
 * prefix fits several (the usage error lists them), or when nothing fits.
 * "help" takes part, as the option every command has (returns NULL, *help). */
static const cli_opt *find_long(const cli_cmd *cmd, const char *name, size_t len, bool *neg, bool *help,
                                bool *ambiguous)
{
    char nb[80];
    *neg = *help = *ambiguous = false;
    if (!len) return NULL; /* "--=x": no name at all */
    for (int pass = 0; pass < 2; pass++) { /* 0: exact, 1: prefix */
        const cli_opt *found = NULL;
        bool found_neg = false, found_help = false; /* each form is a candidate of its own */
        int nfound = 0;
        for (int k = -1; k < cmd->nopts; k++) {
            for (int form = 0; form < 2; form++) {
                const char *full;
                if (k < 0) {
                    if (form) break;
                    full = "help";
                } else {
                    const cli_opt *o = &cmd->opts[k];
                    if (form && o->type != CLI_BOOL) break;
                    full = form ? negative_name(o, nb, sizeof nb) : o->long_name;
                }
                size_t fl = strlen(full);
                if (pass == 0 ? fl != len : fl <= len) continue;
                if (strncmp(full, name, len) != 0) continue;
                nfound++;
                found = k < 0 ? NULL : &cmd->opts[k], found_neg = form != 0, found_help = k < 0;
            }
        }
        if (nfound == 1) {
            *neg = found_neg, *help = found_help;
            return found;
        }
        if (nfound > 1) {
            *ambiguous = true;
            return NULL;
        }
    }
    return NULL;
}

/* "option '--x' is ambiguous: --xa, --xb" with every candidate of the prefix. */
static int ambiguous_error(const cli_cmd *cmd, const char *arg, const char *name, size_t len)
{
    char nb[80];
    fprintf(stderr, "heapsnap %s: option '", cmd->name);
    out_text_safe(stderr, arg, strlen(arg));
    fprintf(stderr, "' is ambiguous:");
    const char *sep = " ";
    for (int k = -1; k < cmd->nopts; k++)
        for (int form = 0; form < 2; form++) {
            if (k >= 0 && form && cmd->opts[k].type != CLI_BOOL) break;
            if (k < 0 && form) break;
            const char *full = k < 0 ? "help" : form ? negative_name(&cmd->opts[k], nb, sizeof nb) : cmd->opts[k].long_name;
            if (strlen(full) > len && strncmp(full, name, len) == 0) {
                fprintf(stderr, "%s--%s", sep, full);
                sep = ", ";
            }
        }
    fprintf(stderr, "\nusage: %s\n", cmd->usage);
    return HS_EXIT_USAGE;
}

static int set_value(const cli_cmd *cmd, const cli_opt *o, void *opts, const char *val)
{
    if (o->type == CLI_STRING) {
        *(const char **)field(o, opts) = val;
        return 0;
    }
    /* CLI_UINT: digits only, with an optional k/M/G suffix for sizes */
    char *end;
    errno = 0;
    if (!*val || *val == '-' || *val == '+') return usage_error(cmd, "'%s' is not a non-negative number", val);
    unsigned long long v = strtoull(val, &end, 10);
    uint64_t mul = 1;
    if (*end == 'k' || *end == 'K') mul = 1024, end++;
    else if (*end == 'M') mul = 1024 * 1024, end++;
    else if (*end == 'G') mul = 1024ull * 1024 * 1024, end++;
    if (errno || *end || (mul > 1 && v > UINT64_MAX / mul))
        return usage_error(cmd, "'%s' is not a non-negative number", val);
    *(uint64_t *)field(o, opts) = (uint64_t)v * mul;
    return 0;
}

/* Text for roff: a backslash doubled, a leading dot or quote guarded, "-" as "\-". */
static void roff_text(FILE *out, const char *s, size_t n, bool line_start)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (line_start && (c == '.' || c == '\'')) fputs("\\&", out);
        line_start = c == '\n';
        if (c == '\\') fputs("\\e", out);
        else if (c == '-') fputs("\\-", out);
        else fputc(c, out);
    }
}

static void roff_str(FILE *out, const char *s) { roff_text(out, s, strlen(s), true); }

void cli_print_man(const cli_cmd *cmd, FILE *out)
{
    char up[64];
    size_t i = 0;
    for (const char *p = cmd->name; *p && i + 1 < sizeof up; p++) up[i++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
    up[i] = 0;
    fprintf(out, ".\\\" generated by heapsnap %s --help-man from its option table; see docs/cli.md\n", cmd->name);
    fprintf(out, ".TH HEAPSNAP\\-%s 1 \"\" \"heapsnap %s\" \"heapsnap manual\"\n", up, HS_LIB_VERSION_STRING);
    fprintf(out, ".SH NAME\nheapsnap\\-%s \\- ", cmd->name);
    if (cli_summary_line) roff_text(out, cli_summary_line, strlen(cli_summary_line), false);
    else roff_text(out, cmd->summary, strcspn(cmd->summary, ":\n"), false); /* its first clause */
    fputs("\n.SH SYNOPSIS\n.nf\n", out);
    roff_str(out, cmd->usage);
    fputs("\n.fi\n.SH DESCRIPTION\n", out);
    roff_str(out, cmd->summary);
    fputc('\n', out);
    fputs(".SH OPTIONS\n", out);
    for (int k = 0; k < cmd->nopts; k++) {
        const cli_opt *o = &cmd->opts[k];
        fputs(".TP\n", out);
        if (o->short_name) fprintf(out, "\\fB\\-%c\\fR, ", o->short_name);
        fputs("\\fB\\-\\-", out);
        roff_text(out, o->long_name, strlen(o->long_name), false);
        fputs("\\fR", out);
        if (o->arg_name) {
            fputs(" \\fI", out);
            roff_text(out, o->arg_name, strlen(o->arg_name), false);
            fputs("\\fR", out);
        }
        fputc('\n', out);
        char buf[1024];
        FILE *m = fmemopen(buf, sizeof buf, "w");
        if (m) {
            print_help_text(cmd, o, m);
            fclose(m);
            buf[sizeof buf - 1] = 0;
            roff_str(out, buf);
        }
        if (o->type == CLI_BOOL) {
            char nb[80];
            fputs("; \\fB\\-\\-", out);
            const char *neg = negative_name(o, nb, sizeof nb);
            roff_text(out, neg, strlen(neg), false);
            fputs("\\fR turns it off", out);
        }
        fputc('\n', out);
    }
    fputs(".TP\n\\fB\\-h\\fR, \\fB\\-\\-help\\fR\nshow the option summary\n", out);
    fputs(".SH EXIT STATUS\n0 success, 1 bad input (one line on standard error naming what is wrong and where), "
          "2 usage error.\n", out);
    fprintf(out, ".SH SEE ALSO\n\\fBheapsnap\\fR(1); docs/cli.md, section \"%s\", in the heapsnap sources.\n",
            cmd->name);
}

int cli_parse(const cli_cmd *cmd, int argc, char **argv, void *opts, char **args, int *nargs)
{
    memcpy(opts, cmd->defaults, cmd->opts_size);
    *nargs = 0;
    bool only_args = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_args || a[0] != '-' || a[1] == 0) {
            if (*nargs >= cmd->max_args) return usage_error(cmd, "unexpected argument '%s'", a);
            args[(*nargs)++] = argv[i];
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_args = true;
            continue;
        }
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            cli_print_help(cmd, stdout);
            return -1;
        }
        if (strcmp(a, "--help-man") == 0) { /* the man page, for the build (docs/cli.md#help) */
            cli_print_man(cmd, stdout);
            return -1;
        }
        const cli_opt *o = NULL;
        const char *val = NULL;
        bool neg = false;
        if (a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            bool help, ambiguous;
            o = find_long(cmd, name, len, &neg, &help, &ambiguous);
            if (help && !eq) {
                cli_print_help(cmd, stdout);
                return -1;
            }
            if (ambiguous) return ambiguous_error(cmd, a, name, len);
            if (!o && !help) return usage_error(cmd, "unknown option '%s'", a);
            if (help) return usage_error(cmd, "option '%s' takes no value", a);
            if (eq) {
                if (o->type == CLI_BOOL) return usage_error(cmd, "option '%s' takes no value", a);
                val = eq + 1;
            }
        } else {
            for (int k = 0; k < cmd->nopts; k++)
                if (cmd->opts[k].short_name == a[1]) o = &cmd->opts[k];
            if (!o) return usage_error(cmd, "unknown option '%s'", a);
            if (a[2]) {
                if (o->type == CLI_BOOL) return usage_error(cmd, "option '%s' takes no value", a);
                val = a + 2;
            }
        }
        if (o->type == CLI_BOOL) {
            *(bool *)field(o, opts) = !neg;
            continue;
        }
        if (!val) {
            if (i + 1 >= argc) return usage_error(cmd, "option '%s' needs a value", a);
            val = argv[++i];
        }
        int rc = set_value(cmd, o, opts, val);
        if (rc) return rc;
    }
    if (*nargs < cmd->min_args) {
        fprintf(stderr, "heapsnap %s: missing argument\nusage: %s\n", cmd->name, cmd->usage);
        return HS_EXIT_USAGE;
    }
    return 0;
}
