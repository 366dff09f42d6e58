// tests/bench/gen_big.js OUT.heapsnapshot N — a heap of N chained Item objects
// for the memlab/DevTools benchmark (tests/bench/bench_memlab.sh): each Item
// holds its index, the previous Item, a small string, two shared objects (a
// plain object and a closure) and an object pointing back at it; every
// 100th Item is held by a global array and every 10th one's object by a
// global Map. About 3.3 nodes and 12.5 edges per Item on node 20, so
// N = 3,100,000 gives about 10.3M nodes / 39M edges (the scale).
'use strict';
const v8 = require('v8');
const n = +process.argv[3];
const KIND = { kind: 'item' };
const HOOK = function hook() {};
class Item {
  constructor(i, p) { this.i = i; this.p = p; this.s = 'x' + i; this.k = KIND; this.h = HOOK; this.o = { a: i, b: this }; }
}
globalThis.items = [];
globalThis.cache = new Map();
let prev = null;
for (let i = 0; i < n; i++) {
  prev = new Item(i, prev);
  if (i % 100 === 0) globalThis.items.push(prev);
  if (i % 10 === 0) globalThis.cache.set('k' + i, prev.o);
}
v8.writeHeapSnapshot(process.argv[2]);
