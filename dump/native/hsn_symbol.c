/* SPDX-License-Identifier: MIT */
/*
 * dump/native/hsn_symbol.c — return addresses to function, file and line,
 * at dump time and while the other threads still run (dladdr and libdw take
 * the loader lock or read files; neither may wait for a stopped thread).
 *
 * libdw (elfutils, Debian's libdw1) is opened with dlopen on the first dump,
 * so a traced program never links it: dwfl_linux_proc_report() reads the
 * memory map, dwfl_module_addrinfo() names the function from .symtab (or
 * .dynsym), dwfl_module_getsrc() gives file and line when the object has
 * DWARF. Without libdw, dladdr1() names exported functions only (and a
 * name is kept only when the address lies inside the symbol's size). C++
 * names are demangled with __cxa_demangle when libstdc++ is loaded. A
 * return address points after its call, so address - 1 is looked up.
 */
#define _GNU_SOURCE
#include "hsn_internal.h"

#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HSN_HAVE_LIBDW
#include <elfutils/libdwfl.h>

static struct {
    int tried, ok;
    __typeof__(dwfl_begin) *begin;
    __typeof__(dwfl_end) *end;
    __typeof__(dwfl_linux_proc_report) *proc_report;
    __typeof__(dwfl_report_begin) *report_begin;
    __typeof__(dwfl_report_end) *report_end;
    __typeof__(dwfl_addrmodule) *addrmodule;
    __typeof__(dwfl_module_info) *module_info;
    __typeof__(dwfl_module_addrinfo) *addrinfo;
    __typeof__(dwfl_module_getsrc) *getsrc;
    __typeof__(dwfl_lineinfo) *lineinfo;
    Dwfl_Callbacks cb;
} D;
static Dwfl *dwfl;

static void dw_load(void)
{
    if (D.tried) return;
    D.tried = 1;
    void *h = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!h) return;
#define SYM(f, n) D.f = (__typeof__(D.f))dlsym(h, n)
    SYM(begin, "dwfl_begin");
    SYM(end, "dwfl_end");
    SYM(proc_report, "dwfl_linux_proc_report");
    SYM(report_begin, "dwfl_report_begin");
    SYM(report_end, "dwfl_report_end");
    SYM(addrmodule, "dwfl_addrmodule");
    SYM(module_info, "dwfl_module_info");
    SYM(addrinfo, "dwfl_module_addrinfo");
    SYM(getsrc, "dwfl_module_getsrc");
    SYM(lineinfo, "dwfl_lineinfo");
#undef SYM
    D.cb.find_elf = (__typeof__(D.cb.find_elf))dlsym(h, "dwfl_linux_proc_find_elf");
    D.cb.find_debuginfo = (__typeof__(D.cb.find_debuginfo))dlsym(h, "dwfl_standard_find_debuginfo");
    D.ok = D.begin && D.end && D.proc_report && D.report_begin && D.report_end && D.addrmodule && D.module_info &&
           D.addrinfo && D.getsrc && D.lineinfo && D.cb.find_elf && D.cb.find_debuginfo;
}
#endif

static char *(*demangle)(const char *, char *, size_t *, int *);
static int demangle_tried;

static int adds_cb(struct dl_phdr_info *info, size_t size, void *ud)
{
    (void)size;
    *(unsigned long long *)ud = info->dlpi_adds + (info->dlpi_subs << 32);
    return 1;
}

/* Open (or keep) the libdw session; it is re-read when objects came or went. */
void hsn_symbols_begin(void)
{
    static unsigned long long last_adds = ~0ull;
    unsigned long long adds = 0;
    dl_iterate_phdr(adds_cb, &adds);
    if (!demangle_tried) {
        demangle_tried = 1;
        demangle = (char *(*)(const char *, char *, size_t *, int *))dlsym(RTLD_DEFAULT, "__cxa_demangle");
    }
#ifdef HSN_HAVE_LIBDW
    if (!hsn_cfg.symbolize) return;
    dw_load();
    if (dwfl && adds != last_adds) hsn_symbols_end();
    last_adds = adds;
    if (D.ok && !dwfl) {
        dwfl = D.begin(&D.cb);
        if (dwfl) {
            D.report_begin(dwfl);
            if (D.proc_report(dwfl, getpid()) != 0 || D.report_end(dwfl, NULL, NULL) != 0) {
                D.end(dwfl);
                dwfl = NULL;
            }
        }
    }
#endif
}

void hsn_symbols_end(void)
{
#ifdef HSN_HAVE_LIBDW
    if (dwfl) D.end(dwfl);
    dwfl = NULL;
#endif
}

static void set_function(hsn_sym *out, const char *name)
{
    if (!name || !*name) return;
    if (demangle && name[0] == '_' && name[1] == 'Z') {
        int st = -1;
        char *d = demangle(name, NULL, NULL, &st);
        if (d && st == 0) {
            hsn_strlcpy(out->function, d, sizeof out->function);
            free(d);
            return;
        }
        free(d);
    }
    hsn_strlcpy(out->function, name, sizeof out->function);
}

int hsn_symbolize(uint64_t pc, hsn_sym *out)
{
    memset(out, 0, sizeof *out);
    uint64_t a = pc ? pc - 1 : 0;
    Dl_info info;
    const ElfW(Sym) *sym = NULL;
    int have_dl = dladdr1((void *)(uintptr_t)a, &info, (void **)&sym, RTLD_DL_SYMENT) != 0;
    if (have_dl) {
        if (info.dli_fname) hsn_strlcpy(out->module, info.dli_fname, sizeof out->module);
        out->offset = pc - (uint64_t)(uintptr_t)info.dli_fbase;
    }
#ifdef HSN_HAVE_LIBDW
    if (dwfl) {
        Dwfl_Module *m = D.addrmodule(dwfl, a);
        if (m) {
            Dwarf_Addr start = 0;
            const char *mainfile = NULL;
            const char *mname = D.module_info(m, NULL, &start, NULL, NULL, NULL, &mainfile, NULL);
            if (!out->module[0]) {
                hsn_strlcpy(out->module, mainfile ? mainfile : mname ? mname : "", sizeof out->module);
                out->offset = pc - start;
            }
            GElf_Off off = 0;
            GElf_Sym s;
            const char *name = D.addrinfo(m, a, &off, &s, NULL, NULL, NULL);
            set_function(out, name);
            Dwfl_Line *line = D.getsrc(m, a);
            if (line) {
                int lineno = 0;
                const char *file = D.lineinfo(line, NULL, &lineno, NULL, NULL, NULL);
                if (file) hsn_strlcpy(out->file, file, sizeof out->file);
                if (lineno > 0) out->line = (uint32_t)lineno;
            }
        }
    }
#endif
    if (!out->function[0] && have_dl && info.dli_sname && sym &&
        a >= (uint64_t)(uintptr_t)info.dli_saddr && a < (uint64_t)(uintptr_t)info.dli_saddr + sym->st_size)
        set_function(out, info.dli_sname);
    if (!out->module[0]) {
        /* the main program when dladdr does not know it */
        ssize_t n = readlink("/proc/self/exe", out->module, sizeof out->module - 1);
        out->module[n > 0 ? n : 0] = 0;
    }
    return out->function[0] != 0;
}
