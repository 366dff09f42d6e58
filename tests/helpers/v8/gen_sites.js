// tests/helpers/v8/gen_sites.js — build a node heap with known allocation sites and
// write a V8 heap snapshot: node [--track-heap-objects] gen_sites.js OUT
// [AFTER]. With AFTER, the program then keeps HS_SITE_GROW more HsSiteA
// (made by makeA, called from hsSiteGrow) and writes a second snapshot
// there, for `diff --by site` (tests/v8/sites_diff.sh).
// tests/unit/test_v8.c (`sites`) finds the lines by the markers below, never
// by number: "@site:NAME" marks where NAME is defined, "@count:NAME=N" how
// many instances the heap keeps. With --track-heap-objects, each HsSiteA
// instance's allocation trace is makeA <- hsSiteCaller <- ..., each
// hsSiteClosure's is hsSiteFactory <- ... (V8 records each function's own
// definition line, not the allocating line). Without it, V8 writes only
// locations: an HsSiteA instance at its constructor, a closure at its
// definition.
'use strict';
const v8 = require('v8');
const out = process.argv[2];
if (!out) { console.error('usage: node [--track-heap-objects] gen_sites.js OUT.heapsnapshot'); process.exit(2); }

const HS_SITE_A_COUNT = 25; // @count:HsSiteA=25
const HS_SITE_CLOSURE_COUNT = 13; // @count:hsSiteClosure=13
const HS_SITE_GROW = 2000; // @count:grow=2000

class HsSiteA {
  constructor(i) { this.i = i; this.tag = 'a'; } // @site:HsSiteA
}

function makeA(n) { // @site:makeA
  const a = [];
  for (let i = 0; i < n; i++) a.push(new HsSiteA(i));
  return a;
}

function hsSiteCaller() { // @site:hsSiteCaller
  return makeA(HS_SITE_A_COUNT);
}

function hsSiteFactory(i) { // @site:hsSiteFactory
  const held = { i };
  return function hsSiteClosure() { return held.i; }; // @site:hsSiteClosure
}

globalThis.hsSiteAs = hsSiteCaller();
globalThis.hsSiteClosures = [];
for (let i = 0; i < HS_SITE_CLOSURE_COUNT; i++) globalThis.hsSiteClosures.push(hsSiteFactory(i));

function hsSiteGrow() { // @site:hsSiteGrow
  return makeA(HS_SITE_GROW);
}

v8.writeHeapSnapshot(out);
if (process.argv[3]) {
  globalThis.hsSiteMore = hsSiteGrow();
  v8.writeHeapSnapshot(process.argv[3]);
}
