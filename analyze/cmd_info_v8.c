/* SPDX-License-Identifier: MIT */
/*
 * analyze/cmd_info_v8.c — `heapsnap info FILE.heapsnapshot`: what a V8 heap
 * snapshot declares and holds, read directly (no conversion): the source
 * format and its meta (the field and type lists are the format's version),
 * node, edge and string counts (and the strings kept), the allocation
 * sites (trace and locations), the shallow total, what the retaining rules
 * decided (docs/v8.md#retaining-rules) and integrity. Text or --json; a
 * malformed file exits 1 with the reader's one-line error. See
 * docs/cli.md#info.
 */
#include "cli.h"
#include "v8_read.h"

#include <stdlib.h>
#include <string.h>

static void text_names(const char *label, const v8_names *n)
{
    printf("%-14s ", label);
    for (uint32_t i = 0; i < n->n; i++) {
        if (i) fputs(", ", stdout);
        out_text_safe(stdout, n->v[i], strlen(n->v[i]));
    }
    fputc('\n', stdout);
}

static void json_names(const char *key, const v8_names *n, bool comma)
{
    printf("    \"%s\": [", key);
    for (uint32_t i = 0; i < n->n; i++) {
        if (i) fputs(", ", stdout);
        out_json_string(stdout, n->v[i], strlen(n->v[i]));
    }
    printf("]%s\n", comma ? "," : "");
}

int cmd_info_v8(const char *path, bool json)
{
    v8_snapshot s;
    char err[V8_ERR_MAX];
    if (v8_read_file_ex(path, &s, V8_READ_SITES, err)) return cli_error("'%s': %s", path, err);
    uint8_t *kind = malloc((size_t)s.edge_count + 1);
    uint32_t *orph = NULL, norph = 0;
    v8_kind_stats ks;
    int src;
    uint64_t moved = v8_map_shallow(&s, err, &src);
    if (!kind || src || v8_map_kinds(&s, kind, &ks, err) || v8_map_orphans(&s, kind, &orph, &norph, err)) {
        free(kind);
        v8_snapshot_release(&s);
        return cli_error("'%s': %s", path, kind ? err : "out of memory");
    }
    v8_sites x;
    v8_strmap sm = {0};
    if (v8_map_sites(&s, &x, err) || v8_map_strings(&s, &x, &sm, err)) {
        free(orph);
        free(kind);
        v8_snapshot_release(&s);
        return cli_error("'%s': %s", path, err);
    }
    uint64_t total = 0, weak = 0;
    for (uint32_t v = 0; v < s.node_count; v++) total += s.nsize[v];
    for (uint32_t e = 0; e < s.edge_count; e++) weak += kind[e] == HS_REF_WEAK;
    char b1[32], b2[32], b3[32], b4[32];
    if (json) {
        printf("{\n  \"file\": ");
        out_json_string(stdout, path, strlen(path));
        printf(",\n  \"source\": \"v8-heapsnapshot\",\n");
        printf("  \"file_bytes\": %llu,\n", (unsigned long long)s.file_bytes);
        printf("  \"v8_meta\": {\n");
        json_names("node_fields", &s.node_fields, true);
        json_names("node_types", &s.node_types, true);
        json_names("edge_fields", &s.edge_fields, true);
        json_names("edge_types", &s.edge_types, false);
        printf("  },\n");
        printf("  \"counts\": {\"nodes\": %u, \"edges\": %u, \"strings\": %u, \"strings_kept\": %u},\n",
               s.node_count, s.edge_count, s.nstrings, sm.nkept);
        printf("  \"sites\": {\"sites\": %u, \"frames\": %u, \"traced_nodes\": %llu, \"located_nodes\": %llu, "
               "\"truncated\": %llu, \"trace_nodes\": %u, \"locations\": %u},\n",
               x.nsites, x.nframes, (unsigned long long)x.traced_nodes, (unsigned long long)x.located_nodes,
               (unsigned long long)x.truncated, s.ntrace_nodes, s.nlocations);
        printf("  \"total_shallow\": %llu,\n", (unsigned long long)total);
        printf("  \"shallow_moved_to_owner\": %llu,\n", (unsigned long long)moved);
        printf("  \"retaining\": {\"weak\": %llu, \"self\": %llu, \"shortcut_not_from_root\": %llu, \"weakmap_table\": %llu, "
               "\"into_page_from_outside\": %llu, \"page_entries\": %llu, \"page_objects\": %llu, "
               "\"held_only_weakly\": %u},\n",
               (unsigned long long)weak, (unsigned long long)ks.self, (unsigned long long)ks.shortcut,
               (unsigned long long)ks.weakmap, (unsigned long long)ks.outside_page, (unsigned long long)ks.page_entries,
               (unsigned long long)ks.page_nodes, norph);
        printf("  \"integrity\": \"ok\"\n}\n");
    } else {
        printf("%-14s ", "file");
        out_text_safe(stdout, path, strlen(path));
        printf("\n%-14s V8 heap snapshot (JSON), read directly\n", "source");
        printf("%-14s %s (%s)\n", "file size", fmt_count(s.file_bytes, b1), fmt_bytes(s.file_bytes, b2));
        text_names("node fields", &s.node_fields);
        text_names("node types", &s.node_types);
        text_names("edge fields", &s.edge_fields);
        text_names("edge types", &s.edge_types);
        printf("%-14s %s\n", "nodes", fmt_count(s.node_count, b1));
        printf("%-14s %s\n", "edges", fmt_count(s.edge_count, b1));
        printf("%-14s %s (%s kept: names and labels; the rest are string contents)\n", "strings",
               fmt_count(s.nstrings, b1), fmt_count(sm.nkept, b2));
        if (x.nsites)
            printf("%-14s %s sites, %s frames: %s nodes from the allocation trace, %s from locations%s\n", "sites",
                   fmt_count(x.nsites, b1), fmt_count(x.nframes, b2), fmt_count(x.traced_nodes, b3),
                   fmt_count(x.located_nodes, b4), x.truncated ? " (some cut to their innermost 4096 frames)" : "");
        else
            printf("%-14s none (no trace_tree or locations)\n", "sites");
        printf("%-14s %s (%s bytes; %s moved to owners, as DevTools does)\n", "shallow total", fmt_bytes(total, b1),
               fmt_count(total, b2), fmt_count(moved, b3));
        printf("%-14s %llu weak, %llu to itself, %llu shortcut not from the root, %llu WeakMap table halves, %llu "
               "into the page from outside (page: %llu objects from %llu entries); %u held only weakly\n",
               "not retaining", (unsigned long long)weak, (unsigned long long)ks.self, (unsigned long long)ks.shortcut,
               (unsigned long long)ks.weakmap, (unsigned long long)ks.outside_page,
               (unsigned long long)ks.page_nodes, (unsigned long long)ks.page_entries, norph);
        printf("%-14s ok (JSON syntax, declared counts, edge_count sum, to_node and string indexes verified)\n",
               "integrity");
    }
    v8_sites_release(&x);
    v8_strmap_release(&sm);
    free(orph);
    free(kind);
    v8_snapshot_release(&s);
    return HS_EXIT_OK;
}
