# analyze/report.cmake — `heapsnap report` (self-contained HTML) and
# `heapsnap graph` (Graphviz around one block). The page's template, CSS and
# JS are real files under analyze/report/, turned into C arrays at build time
# by report/embed.cmake (no npm, no bundler). See docs/report.md.
set(HS_REPORT_DIR ${CMAKE_CURRENT_SOURCE_DIR}/report)
set(HS_REPORT_ASSETS ${HS_REPORT_DIR}/template.html ${HS_REPORT_DIR}/report.css ${HS_REPORT_DIR}/report.js)
add_custom_command(
  OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/report_assets.c
  COMMAND ${CMAKE_COMMAND} -DIN_DIR=${HS_REPORT_DIR} -DOUT=${CMAKE_CURRENT_BINARY_DIR}/report_assets.c
          -P ${HS_REPORT_DIR}/embed.cmake
  DEPENDS ${HS_REPORT_ASSETS} ${HS_REPORT_DIR}/embed.cmake
  COMMENT "Embedding the report's HTML, CSS and JS"
  VERBATIM)
target_sources(heapsnap_cli PRIVATE
  cmd_report.c cmd_graph.c out_html.c out_report.c out_report_tree.c out_report_growth.c
  ${CMAKE_CURRENT_BINARY_DIR}/report_assets.c)
