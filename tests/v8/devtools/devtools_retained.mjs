// tests/v8/devtools/devtools_retained.mjs — reference oracle: Chrome DevTools' own
// heap-snapshot code computes retained sizes for a V8 .heapsnapshot.
//
//   node tests/v8/devtools/devtools_retained.mjs [--ids ID,...] [--without R,...] SNAPSHOT [N]
//
// Loads the bundle that tests/v8/devtools/devtools_oracle.sh builds (directory from
// $DEVTOOLS_ORACLE_DIR, default /tmp/devtools-oracle), feeds the file to
// DevTools' HeapSnapshotLoader in 10,000,000-byte chunks (as DevTools' "Load
// profile" does), builds the JSHeapSnapshot with its second-worker step on a
// MessageChannel, and prints, from DevTools' own results (retainedSizes,
// aggregatesWithFilter; nothing recomputed here):
//   1. root_retained, total_self and how much shallow size DevTools moved
//      from arrays/hidden nodes to their owner (calculateShallowSizes);
//   2. the top N nodes by retained size (desc, then id asc), listing only
//      what the Summary view lists: nodes whose DevTools shallow size is > 0,
//      which leaves out the synthetic root and "(GC roots)"-like containers;
//   3. the Summary view's classes ("All objects"), top N by retained size;
//   4. with --ids, the same node columns for those V8 node ids, whatever
//      their size (used by tests/v8/devtools/devtools_compare.sh).
// Node columns: id, retained, self (DevTools' shown shallow size), raw_self
// (self_size in the file), type, name. --without switches DevTools rules off
// (by stubbing the DevTools method, to explain differences): shallow (no
// calculateShallowSizes), page (userObjectsMapAndFlag returns null: no
// page-object edge rule), weakmap (tryParseWeakMapEdgeName matches nothing).
import fs from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';

const argv = process.argv.slice(2);
let ids = [], without = [];
while (argv[0] === '--ids' || argv[0] === '--without') {
  const list = argv[1].split(',').filter(Boolean);
  if (argv[0] === '--ids') ids = list.map(Number); else without = list;
  argv.splice(0, 2);
}
const [file, nArg] = argv;
if (!file) {
  console.error('usage: devtools_retained.mjs [--ids ID,...] [--without shallow,page,weakmap] SNAPSHOT [N]');
  process.exit(2);
}
const N = nArg === undefined ? 20 : Number(nArg);
const dir = process.env.DEVTOOLS_ORACLE_DIR || '/tmp/devtools-oracle';
const bundle = path.join(dir, 'heap_snapshot.mjs');
if (!fs.existsSync(bundle)) {
  console.error(`devtools_retained: '${bundle}' not found: run tests/v8/devtools/devtools_oracle.sh ${dir}`);
  process.exit(1);
}
const dt = await import(pathToFileURL(bundle));
const version = JSON.parse(fs.readFileSync(
    path.join(dir, 'node_modules/chrome-devtools-frontend/package.json'), 'utf8')).version;

// Keep the file's self sizes before DevTools moves some to owners (a wrapper,
// the original still runs).
const proto = dt.JSHeapSnapshot.prototype;
const shallow = proto.calculateShallowSizes;
proto.calculateShallowSizes = function() {
  this.rawSelf = new Float64Array(this.nodeCount);
  for (let i = 0; i < this.nodeCount; i++) {
    this.rawSelf[i] = this.nodes.getValue(i * this.nodeFieldCount + this.nodeSelfSizeOffset);
  }
  return without.includes('shallow') ? undefined : shallow.call(this);
};
if (without.includes('page')) proto.userObjectsMapAndFlag = () => null;
if (without.includes('weakmap')) proto.tryParseWeakMapEdgeName = () => undefined;
// DevTools logs its problem reports (unreachable nodes) with console.warn:
// keep the first line of each on stderr.
console.warn = msg => process.stderr.write(`devtools: ${String(msg).split('\n')[0]}\n`);

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

const clean = s => s.replace(/[\t\n\r]/g, ' ').slice(0, 100);
const node = snap.createNode(0);
const row = ordinal => {
  node.nodeIndex = ordinal * snap.nodeFieldCount;
  return [node.id(), node.retainedSize(), node.selfSize(), snap.rawSelf[ordinal], node.type(),
          clean(node.name())].join('\t');
};

let totalSelf = 0, moved = 0;
const listed = [];
for (let i = 0; i < snap.nodeCount; i++) {
  node.nodeIndex = i * snap.nodeFieldCount;
  totalSelf += node.selfSize();
  moved += Math.max(0, snap.rawSelf[i] - node.selfSize());
  if (node.selfSize() > 0) {
    listed.push(i);
  }
}
const retained = snap.retainedSizes;
const id = i => snap.nodes.getValue(i * snap.nodeFieldCount + snap.nodeIdOffset);
listed.sort((a, b) => retained[b] - retained[a] || id(a) - id(b));

console.log(`# chrome-devtools-frontend ${version} (HeapSnapshotLoader + JSHeapSnapshot): ${file}` +
            (without.length ? ` without ${without}` : ''));
console.log(`nodes\t${snap.nodeCount}`);
console.log(`root_retained\t${snap.rootNode().retainedSize()}`);
console.log(`total_self\t${totalSelf}`);
console.log(`self_moved_to_owner\t${moved}`);
console.log(`## top ${N} nodes by retained size (nodes the Summary view lists: DevTools self > 0)`);
console.log('id\tretained\tself\traw_self\ttype\tname');
for (const i of listed.slice(0, N)) {
  console.log(row(i));
}

const aggregates = Object.values(snap.aggregatesWithFilter({}));
aggregates.sort((a, b) => b.maxRet - a.maxRet || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
console.log(`## top ${N} classes by retained size (Summary view, All objects)`);
console.log('count\tself\tretained\tclass');
for (const a of aggregates.slice(0, N)) {
  console.log(`${a.count}\t${a.self}\t${a.maxRet}\t${clean(a.name)}`);
}

if (ids.length) {
  const want = new Set(ids);
  console.log('## ids');
  console.log('id\tretained\tself\traw_self\ttype\tname');
  for (let i = 0; i < snap.nodeCount; i++) {
    if (want.has(id(i))) {
      console.log(row(i));
    }
  }
}
