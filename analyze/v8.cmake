# analyze/v8.cmake — reading V8 heap snapshots (.heapsnapshot): the streaming
# reader, the allocation sites (v8_sites.c) and the .hsnap conversion live in
# hsgraph (graph_load_file converts on the fly); `heapsnap import` is the
# explicit conversion. See docs/v8.md.
target_sources(hsgraph PRIVATE v8_read.c v8_map.c v8_sites.c v8_hsnap.c v8_graph.c)
target_sources(heapsnap_cli PRIVATE cmd_import.c cmd_info_v8.c)
