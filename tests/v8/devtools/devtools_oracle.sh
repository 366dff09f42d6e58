#!/usr/bin/env bash
# tests/v8/devtools/devtools_oracle.sh SCRATCH — set up the DevTools reference oracle
# in SCRATCH (outside the repository; e.g. /tmp/devtools-oracle): install
# Chrome DevTools' frontend and esbuild from npm, and bundle DevTools' heap
# snapshot worker (front_end/entrypoints/heap_snapshot_worker/HeapSnapshot.ts,
# HeapSnapshotLoader.ts) for node as SCRATCH/heap_snapshot.mjs. Not part of
# ctest. By hand it is:
#   mkdir SCRATCH && cd SCRATCH && npm install --ignore-scripts \
#     chrome-devtools-frontend@1.0.1705227 esbuild@0.28.2
# then the bundle step below. Shims, not DevTools code: core/i18n (its
# generated locale tables are not in the npm package) answers in English; the
# two barrel modules are narrowed to the files the worker uses, so the UI
# (CodeMirror, the worker proxy) is left out; Promise.withResolvers for node 20.
# Then: DEVTOOLS_ORACLE_DIR=SCRATCH node tests/v8/devtools/devtools_retained.mjs FILE
# or tests/v8/devtools/devtools_compare.sh HEAPSNAP SCRATCH FILE (retained sizes), and
# tests/v8/devtools/devtools_views.sh HEAPSNAP SCRATCH BEFORE AFTER (Summary and
# Comparison views; ctest's v8/devtools_views with DEVTOOLS_ORACLE_DIR=SCRATCH). Versions: override
# with DEVTOOLS_VERSION, ESBUILD_VERSION.
set -eu
if [ $# -ne 1 ]; then
  echo "usage: $0 SCRATCH" >&2
  exit 2
fi
mkdir -p "$1/shim"
cd "$1"
[ -f package.json ] || echo '{"name": "devtools-oracle", "private": true}' > package.json
npm install --no-audit --no-fund --ignore-scripts \
  "chrome-devtools-frontend@${DEVTOOLS_VERSION:-1.0.1705227}" "esbuild@${ESBUILD_VERSION:-0.28.2}"

F=node_modules/chrome-devtools-frontend/front_end
W=$F/entrypoints/heap_snapshot_worker
cat > entry.ts <<EOF
export {HeapSnapshotLoader} from './$W/HeapSnapshotLoader.js';
export {JSHeapSnapshot, SecondaryInitManager} from './$W/HeapSnapshot.js';
EOF
cat > shim/i18n.js <<'EOF'
const fmt = (s, v = {}) => s.replace(/\{(\w+)\}/g, (m, k) => (k in v ? String(v[k]) : m));
export const i18n = {
  serializeUIString: (string, values = {}) => JSON.stringify({string, values}),
  registerUIStrings: (_path, strings) => strings,
  getLocalizedString: (_str, s, v) => fmt(s, v),
  getLazilyComputedLocalizedString: (_str, s, v) => () => fmt(s, v),
  lockedLazyString: s => () => s,
  lockedString: s => s,
};
EOF
echo "export * as HeapSnapshotModel from '../$F/models/heap_snapshot/HeapSnapshotModel.js';" \
  > shim/heap_snapshot_model.js
echo "export * as TextUtils from '../$F/core/text_utils/TextUtils.js';" > shim/text_utils.js
cat > build.mjs <<'EOF'
import * as esbuild from 'esbuild';
import path from 'node:path';
const shims = [[/(^|\/)i18n\/i18n\.js$/, 'shim/i18n.js'],
  [/(^|\/)heap_snapshot\/heap_snapshot\.js$/, 'shim/heap_snapshot_model.js'],
  [/(^|\/)text_utils\/text_utils\.js$/, 'shim/text_utils.js']];
await esbuild.build({
  entryPoints: ['entry.ts'], bundle: true, platform: 'node', format: 'esm', target: 'node20',
  outfile: 'heap_snapshot.mjs', logLevel: 'warning',
  banner: {js: 'Promise.withResolvers ??= function() { let resolve, reject; const promise = ' +
    'new this((a, b) => { resolve = a; reject = b; }); return {promise, resolve, reject}; };'},
  plugins: [{name: 'shims', setup(b) {
    for (const [re, p] of shims) b.onResolve({filter: re}, () => ({path: path.resolve(p)}));
  }}],
});
EOF
node build.mjs
node -e "import('./heap_snapshot.mjs').then(m => { if (!m.HeapSnapshotLoader) process.exit(1); })"
echo "devtools oracle: $PWD/heap_snapshot.mjs (chrome-devtools-frontend $(node -p "require('./node_modules/chrome-devtools-frontend/package.json').version"))"
