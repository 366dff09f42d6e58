// tests/v8/gen_big.js OUT.heapsnapshot N — a heap of N chained Item objects
// (each with a small string; every 100th held by a global array), for the
// memlab comparison benchmark (tests/v8/bench_memlab.sh). About 2.1 nodes
// per item on node 20.
'use strict';
const v8 = require('v8');
const n = +process.argv[3];
class Item { constructor(i, p) { this.i = i; this.p = p; this.s = 'x' + i; } }
globalThis.items = [];
let prev = null;
for (let i = 0; i < n; i++) { prev = new Item(i, prev); if (i % 100 === 0) globalThis.items.push(prev); }
v8.writeHeapSnapshot(process.argv[2]);
