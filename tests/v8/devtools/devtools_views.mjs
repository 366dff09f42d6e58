// tests/v8/devtools/devtools_views.mjs — reference oracle: Chrome DevTools' own
// Summary and Comparison views of two V8 .heapsnapshot files.
//
//   node tests/v8/devtools/devtools_views.mjs BEFORE AFTER
//
// Loads the bundle tests/v8/devtools/devtools_oracle.sh builds ($DEVTOOLS_ORACLE_DIR,
// default /tmp/devtools-oracle), builds both snapshots as DevTools' "Load
// profile" does, and prints TSV, one line per class of AFTER:
//   summary  KEY NAME COUNT SELF RETAINED ALL_COUNT
//   compare  KEY NAME ADDED REMOVED NEW_BY_ID NEW_BY_ID_SELF
// COUNT, SELF, RETAINED: the Summary view's row (aggregatesWithFilter({}):
// nodes whose DevTools shallow size is > 0); ADDED, REMOVED: the Comparison
// view's "# New" and "# Deleted" (AFTER.calculateSnapshotDiff over
// BEFORE.aggregatesForDiff(AFTER.interfaceDefinitions()), exactly as
// DevTools' HeapSnapshotDataGrids.ts calls them). Two columns count with
// DevTools' own per-node class key (classKeyInternal) but not as a view does:
// ALL_COUNT, every node of the class, also those of shallow size 0 (the
// arrays and hidden nodes whose size DevTools moved to their owner);
// NEW_BY_ID, the nodes of the class whose id is nowhere in BEFORE (DevTools'
// ADDED also counts an object whose class changed, e.g. a plain object that
// gained a property, and skips shallow size 0), and NEW_BY_ID_SELF their
// DevTools shallow sizes. KEY is DevTools' public
// class key: ",Name", or "scriptId,line,column,Name" (0-based) for an object
// with a location.
import fs from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';

const [before, after] = process.argv.slice(2);
if (!before || !after) {
  console.error('usage: devtools_views.mjs BEFORE AFTER');
  process.exit(2);
}
const dir = process.env.DEVTOOLS_ORACLE_DIR || '/tmp/devtools-oracle';
const bundle = path.join(dir, 'heap_snapshot.mjs');
if (!fs.existsSync(bundle)) {
  console.error(`devtools_views: '${bundle}' not found: run tests/v8/devtools/devtools_oracle.sh ${dir}`);
  process.exit(1);
}
const dt = await import(pathToFileURL(bundle));
console.warn = msg => process.stderr.write(`devtools: ${String(msg).split('\n')[0]}\n`);

async function load(file) {
  const loader = new dt.HeapSnapshotLoader();
  for await (const chunk of fs.createReadStream(file, {encoding: 'utf8', highWaterMark: 10000000})) {
    loader.write(chunk);
  }
  loader.close();
  const channel = new MessageChannel();
  new dt.SecondaryInitManager(channel.port2);
  const snap = await loader.buildSnapshot(channel.port1);
  channel.port1.close();
  channel.port2.close();
  return snap;
}

const a = await load(before), b = await load(after);
const clean = s => String(s).replace(/[\t\n\r]/g, ' ');
const publicKey = (snap, k) => typeof k === 'number' ? ',' + snap.strings[k] : k;

// Per class of AFTER: every node (ALL_COUNT) and those whose id BEFORE lacks.
const idsBefore = new Set();
for (let i = 0; i < a.nodeCount; i++) idsBefore.add(a.nodes.getValue(i * a.nodeFieldCount + a.nodeIdOffset));
const all = new Map(), newById = new Map(), newSelf = new Map();
const node = b.createNode(0);
for (let i = 0; i < b.nodeCount; i++) {
  node.nodeIndex = i * b.nodeFieldCount;
  const key = publicKey(b, node.classKeyInternal());
  all.set(key, (all.get(key) || 0) + 1);
  if (!idsBefore.has(node.id())) {
    newById.set(key, (newById.get(key) || 0) + 1);
    newSelf.set(key, (newSelf.get(key) || 0) + node.selfSize());
  }
}

const summary = b.aggregatesWithFilter({});
const version = JSON.parse(fs.readFileSync(
    path.join(dir, 'node_modules/chrome-devtools-frontend/package.json'), 'utf8')).version;
console.log(`# chrome-devtools-frontend ${version}: ${before} -> ${after}`);
for (const [key, g] of Object.entries(summary)) {
  console.log(['summary', clean(key), clean(g.name), g.count, g.self, g.maxRet, all.get(key) || 0].join('\t'));
}
const baseAggregates = a.aggregatesForDiff(b.interfaceDefinitions());
const diff = b.calculateSnapshotDiff(1, baseAggregates);
for (const [key, d] of Object.entries(diff)) {
  console.log(['compare', clean(key), clean(d.name), d.addedCount, d.removedCount, newById.get(key) || 0,
               newSelf.get(key) || 0].join('\t'));
}
