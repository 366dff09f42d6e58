#!/usr/bin/env bash
# tests/v8/devtools/devtools_compare.sh HEAPSNAP_BIN SCRATCH SNAPSHOT [N] — compare
# heapsnap's retained sizes with Chrome DevTools' own (the oracle of
# tests/v8/devtools/devtools_retained.mjs, set up in SCRATCH by
# tests/v8/devtools/devtools_oracle.sh). Takes the union of DevTools' top N nodes (as
# its Summary view lists them) and `heapsnap top -n N --json` (address = V8
# node id), looks up each missing side (oracle --ids, `heapsnap show --json`),
# prints them side by side and `match: K/M`; exit 1 on any difference. Notes:
# self-moved = DevTools moved this node's shallow size to an owner
# (calculateShallowSizes); hs-unreachable = heapsnap puts it in <unreachable>.
# DEVTOOLS_WITHOUT=shallow,page,weakmap switches those DevTools rules off
# (devtools_retained.mjs --without). Not part of ctest.
set -eu
if [ $# -lt 3 ]; then
  echo "usage: $0 HEAPSNAP_BIN SCRATCH SNAPSHOT [N]" >&2
  exit 2
fi
hs=$1 snap=$3 n=${4:-20}
export DEVTOOLS_ORACLE_DIR=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$hs" top -n "$n" --json "$snap" > "$tmp/hs.json"
ids=$(node -e 'for (const t of require(process.argv[1]).top) console.log(parseInt(t.block.addr, 16))' \
  "$tmp/hs.json" | paste -sd, -)
node "$here/devtools_retained.mjs" --ids "$ids" --without "${DEVTOOLS_WITHOUT:-}" "$snap" "$n" > "$tmp/dt.tsv"
sed -n "/^## top $n nodes/,/^## /p" "$tmp/dt.tsv" | sed '1,2d;$d' | cut -f1 | while read -r id; do
  case ",$ids," in *",$id,"*) ;; *) "$hs" show --json "$snap" "$(printf '0x%x' "$id")" > "$tmp/show.$id.json";; esac
done
node - "$tmp" "$n" <<'EOF'
const fs = require('fs');
const [tmp, n] = process.argv.slice(2);
const dt = new Map(), hs = new Map(), order = [];
let section = '';
for (const line of fs.readFileSync(`${tmp}/dt.tsv`, 'utf8').split('\n')) {
  if (line.startsWith('#')) { section = line; continue; }
  const f = line.split('\t');
  if (!/^\d+$/.test(f[0]) || section.includes('classes')) continue;
  dt.set(+f[0], {retained: +f[1], self: +f[2], raw: +f[3], name: `${f[4]} ${f[5]}`});
  if (section.startsWith(`## top ${n} nodes`)) order.push(+f[0]);
}
for (const t of JSON.parse(fs.readFileSync(`${tmp}/hs.json`, 'utf8')).top) hs.set(parseInt(t.block.addr, 16), t.block);
for (const f of fs.readdirSync(tmp).filter(f => f.startsWith('show.'))) {
  const b = JSON.parse(fs.readFileSync(`${tmp}/${f}`, 'utf8')).block;
  hs.set(parseInt(b.addr, 16), b);
}
const ids = [...new Set([...order, ...hs.keys()])];
ids.sort((a, b) => ((dt.get(b)?.retained ?? -1) - (dt.get(a)?.retained ?? -1)) || a - b);
console.log(['id', 'devtools', 'heapsnap', 'dt_self', 'hs_self', 'ok', 'note', 'node'].join('\t'));
let k = 0;
for (const id of ids) {
  const d = dt.get(id), h = hs.get(id);
  const ok = d && h && d.retained === h.retained;
  k += ok ? 1 : 0;
  const note = [d && d.self !== d.raw ? 'self-moved' : '', h && !h.reachable ? 'hs-unreachable' : '']
    .filter(Boolean).join(',');
  console.log([id, d?.retained ?? '-', h?.retained ?? '-', d?.self ?? '-', h?.shallow ?? '-',
               ok ? 'ok' : 'DIFF', note || '-', d?.name ?? h?.type].join('\t'));
}
console.log(`match: ${k}/${ids.length}`);
process.exit(k === ids.length ? 0 : 1);
EOF
