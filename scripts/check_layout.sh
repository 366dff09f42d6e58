#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# scripts/check_layout.sh — the dependency rule of docs/analyzer.md#layout,
# checked on the #include lines of every C file:
#   - analyze/ layers include only their own folder or a folder below:
#       cli > report > out > diff > load > v8 > graph  (then formats/),
#       and py/ (the Python extension heapsnap._analyze) beside cli/: the two
#       share a rank and never include each other;
#   - dump/ and analyze/ never include each other (dump/ -> formats/ <- analyze/);
#     formats/ includes neither; tests may include anything.
#   - inside analyze/, an #include names its folder ("graph/graph.h"), and every
#     header exists;
#   - no two .c/.h files in the tree share a name (zstd's rule).
# Prints one line per violation and exits 1 when there is any.
set -uo pipefail
cd "$(dirname "$0")/.."
layers=(graph v8 load diff out report cli py)
rank() { # py/ sits beside cli/, at its rank
  local i
  [ "$1" = py ] && set -- cli
  for i in "${!layers[@]}"; do [ "${layers[$i]}" = "$1" ] && { echo "$i"; return; }; done; echo -1
}
bad=0
say() { echo "check_layout: $*"; bad=$((bad + 1)); }

while IFS= read -r f; do
  top=${f%%/*}
  while IFS= read -r line; do
    n=${line%%:*}
    inc=$(sed -E 's/^[0-9]+:[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/' <<<"$line")
    case $top in
      analyze)
        layer=$(cut -d/ -f2 <<<"$f")
        [ "$(rank "$layer")" -ge 0 ] || { say "$f: file outside the layer folders (${layers[*]})"; continue; }
        case $inc in
          */*)
            il=${inc%%/*}
            ir=$(rank "$il")
            if [ "$ir" -lt 0 ]; then say "$f:$n: includes \"$inc\", not a layer of analyze/"
            elif [ "$ir" -gt "$(rank "$layer")" ]; then say "$f:$n: $layer/ includes \"$inc\" from $il/, a layer above it"
            elif [ "$il" != "$layer" ] && [ "$ir" -eq "$(rank "$layer")" ]; then say "$f:$n: $layer/ includes \"$inc\" from $il/, a layer beside it"
            elif [ ! -f "analyze/$inc" ]; then say "$f:$n: \"$inc\" does not exist"
            fi ;;
          hs_format.h) ;;
          heapsnap.h|hspy*.h|hs_sink_file.h) say "$f:$n: analyze/ includes \"$inc\" from dump/" ;;
          *) say "$f:$n: \"$inc\" without its folder (write \"<layer>/$inc\")" ;;
        esac ;;
      dump)
        case $inc in
          ../formats/*) ;;
          */*|graph*.h|diff*.h|load*.h|out*.h|report*.h|cli*.h|v8_*.h|apy*.h) say "$f:$n: dump/ includes \"$inc\" from analyze/" ;;
        esac ;;
      formats)
        case $inc in
          hs_format.h|hsf_*.h) ;;
          *) say "$f:$n: formats/ includes \"$inc\" from outside formats/" ;;
        esac ;;
    esac
  done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f")
done < <(git ls-files -co --exclude-standard 'analyze/*.[ch]' 'dump/*.[ch]' 'formats/*.[ch]')

dups=$(git ls-files -co --exclude-standard '*.c' '*.h' | xargs -n1 basename | sort | uniq -d)
for d in $dups; do say "two files named $d: $(git ls-files -co --exclude-standard "*/$d" "$d" | tr '\n' ' ')"; done

if [ "$bad" -gt 0 ]; then echo "check_layout: $bad violation(s)"; exit 1; fi
echo "check_layout: ok ($(git ls-files -co --exclude-standard 'analyze/*.[ch]' | wc -l) files in analyze/, layers ${layers[*]})"
