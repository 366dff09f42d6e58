// tests/helpers/v8/gen_heap.js — build a node heap with known shapes and write a V8
// heap snapshot: node gen_heap.js OUT.heapsnapshot. Shapes (class names are
// unique so the tests can find them): a global cache Map holding
// HsCacheItem instances (each with a 4 KiB ArrayBuffer-free payload array),
// HsRingNode instances in a ring (a cycle), closures (hsClosureMaker),
// a WeakMap keyed by HsWeakKey with HsWeakValue values, and HsWeakTarget
// objects held only through WeakRef holders (HsWeakRefHolder).
'use strict';
const v8 = require('v8');
const out = process.argv[2];
if (!out) { console.error('usage: node gen_heap.js OUT.heapsnapshot'); process.exit(2); }

class HsCacheItem { constructor(i) { this.i = i; this.payload = new Array(64).fill(i); } }
class HsRingNode { constructor(i) { this.i = i; this.next = null; } }
class HsWeakKey { constructor(i) { this.i = i; } }
class HsWeakValue { constructor(i) { this.i = i; this.data = new Array(16).fill(i); } }
class HsWeakTarget { constructor(i) { this.i = i; this.data = new Array(32).fill(i); } }
class HsWeakRefHolder { constructor(t) { this.ref = new WeakRef(t); } }

globalThis.hsCache = new Map();
for (let i = 0; i < 100; i++) globalThis.hsCache.set('k' + i, new HsCacheItem(i));

const ring = [];
for (let i = 0; i < 50; i++) ring.push(new HsRingNode(i));
for (let i = 0; i < 50; i++) ring[i].next = ring[(i + 1) % 50];
globalThis.hsRingHead = ring[0];

function hsClosureMaker(n) { const captured = { n }; return function hsClosure() { return captured.n; }; }
globalThis.hsClosures = [];
for (let i = 0; i < 20; i++) globalThis.hsClosures.push(hsClosureMaker(i));

globalThis.hsWeakMap = new WeakMap();
globalThis.hsWeakKeys = [];
for (let i = 0; i < 10; i++) {
  const k = new HsWeakKey(i);
  globalThis.hsWeakKeys.push(k);
  globalThis.hsWeakMap.set(k, new HsWeakValue(i));
}

// Targets reachable only through WeakRefs: kept alive across the snapshot by
// nothing strong; the snapshot is taken synchronously, before any GC clears them.
globalThis.hsWeakHolders = [];
for (let i = 0; i < 10; i++) globalThis.hsWeakHolders.push(new HsWeakRefHolder(new HsWeakTarget(i)));

v8.writeHeapSnapshot(out);
