// SPDX-License-Identifier: MIT
// analyze/report/report.js — the behaviour of the `heapsnap report` page:
// reads the data object from the hs-data script element (JSON, schema in
// docs/report.md#data) and builds the header, the growth since a base
// snapshot (with --base: owners, types, new objects; growing owners marked
// in the tree and the picture), suspects, icicle picture, dominator tree,
// types table, cycles and largest retainers. Text from the
// dump is only ever inserted with textContent (or drawn on the canvas),
// never parsed as HTML. Vanilla JS, no dependencies; inlined by
// analyze/out_html.c. window.heapsnapReport is a small hook for the tests.
(function () {
  'use strict';
  var hook = { ready: false };
  window.heapsnapReport = hook;

  var D = JSON.parse(document.getElementById('hs-data').textContent);
  var T = D.tree, S = D.strs;

  // ---- helpers ----
  // What a name from the dump may cost on the page: TEXT_MAX characters.
  // Longer text is cut, with a button that shows the whole of it in a
  // scrolling block (a 20,000-character name used to stop the page: long
  // unbreakable words under overflow-wrap make layout quadratic).
  var TEXT_MAX = 200;
  function cutAt(s) { // TEXT_MAX, or one less so as not to split a surrogate pair
    var c = s.charCodeAt(TEXT_MAX - 1);
    return c >= 0xD800 && c < 0xDC00 ? TEXT_MAX - 1 : TEXT_MAX;
  }
  function short(s) { return s.length > TEXT_MAX ? s.slice(0, cutAt(s)) + '\u2026' : s; }
  function setText(e, s) {
    if (s.length <= TEXT_MAX) { e.textContent = s; return; }
    if (e.tagName === 'BUTTON' || e.tagName === 'OPTION') { e.textContent = short(s); return; }
    var k = cutAt(s);
    e.textContent = s.slice(0, k);
    var b = document.createElement('button');
    b.type = 'button';
    b.className = 'link cut';
    b.textContent = '\u2026 ' + count(s.length - k) + ' more characters';
    b.addEventListener('click', function (ev) {
      ev.stopPropagation();
      var f = document.createElement('span');
      f.className = 'full';
      f.textContent = s;
      e.textContent = '';
      e.appendChild(f);
    });
    e.appendChild(document.createTextNode(' '));
    e.appendChild(b);
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) setText(e, String(text));
    return e;
  }
  function add(parent) {
    for (var i = 1; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === null || c === undefined) continue;
      parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return parent;
  }
  var UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  function bytes(n) { // as the CLI's fmt_bytes
    if (n < 1024) return n + ' B';
    var v = n, u = 0;
    while (v >= 1024 && u < 6) { v /= 1024; u++; }
    return (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)) + ' ' + UNITS[u];
  }
  function count(n) { return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ','); }
  function pct(part, whole) { return whole ? (100 * part / whole).toFixed(1) + '%' : '-'; }
  function numCell(tag, v, text) {
    var c = el(tag, 'num', text === undefined ? v : text);
    if (v !== null && v !== undefined) c.dataset.v = String(v);
    return c;
  }
  function blockSpan(b) { // {addr, type}
    var s = el('span', 'blk');
    add(s, el('span', 'type', b.type));
    if (b.addr) add(s, ' ', el('span', 'addr', b.addr));
    return s;
  }
  function labelText(l) { return typeof l === 'number' ? '[' + l + ']' : l === null ? '' : '.' + l; }
  function rootText(r) { return r.root + ' root' + (r.name !== null ? " '" + r.name + "'" : '') + (r.count ? ' (count ' + r.count + ')' : ''); }
  function pathEl(path, reachable) {
    var p = el('div', 'path');
    if (!path) { p.textContent = reachable === false ? '(unreachable: garbage awaiting collection, or leaked)' : '(no path)'; return p; }
    var steps = path.slice(1);
    function draw(all) {
      p.textContent = '';
      add(p, el('span', 'root', rootText(path[0])));
      for (var i = 0; i < steps.length; i++) {
        if (!all && steps.length > 8 && i === 3) {
          var hidden = steps.length - 7;
          var b = el('button', 'link', '\u2026 ' + hidden + ' more steps');
          b.type = 'button';
          b.addEventListener('click', function () { draw(true); });
          add(p, ' \u2192 ', b);
          i = steps.length - 5;
          continue;
        }
        add(p, ' \u2192 ', blockSpan(steps[i].holder), ' ', el('span', 'lbl', labelText(steps[i].label)));
      }
    }
    draw(false);
    return p;
  }

  // ---- the tree model ----
  var N = T.n, kids = new Array(N), moreOf = new Array(N), depthOf = new Int32Array(N);
  for (var i = 0; i < N; i++) kids[i] = [];
  for (i = 0; i < N; i++) {
    if (T.p[i] >= 0) { kids[T.p[i]].push(i); depthOf[i] = depthOf[T.p[i]] + 1; }
  }
  // children were embedded largest first, so index order is retained order; sort anyway (stable on ties)
  for (i = 0; i < N; i++) if (kids[i].length > 1) kids[i].sort(function (a, b) { return T.r[b] - T.r[a] || a - b; });
  for (i = 0; i < T.more.length; i++) moreOf[T.more[i][0]] = T.more[i];
  var tops = [];
  for (i = 0; i < N; i++) if (T.p[i] < 0) tops.push(i);
  function nodeType(i) { return S[T.t[i]]; }
  function nodeAddr(i) { return T.a[i] ? '0x' + T.a[i] : ''; }
  function nodeLabel(i) { return T.l[i] >= 0 ? S[T.l[i]] : ''; }
  var TOTAL = 0;
  for (i = 0; i < tops.length; i++) TOTAL += T.r[tops[i]];
  // growth (with --base): growOf[i] = index of the owner whose group node i is in, or -1;
  // holdsGrowth[i] = 1 when a descendant of node i is such a node
  var G = D.growth, growOf = new Int32Array(N).fill(-1), holdsGrowth = new Uint8Array(N);
  if (G) {
    G.marks.forEach(function (m) {
      growOf[m[0]] = m[1];
      for (var v = T.p[m[0]]; v >= 0 && !holdsGrowth[v]; v = T.p[v]) holdsGrowth[v] = 1;
    });
  }
  function sbytes(n) { return (n > 0 ? '+' : n < 0 ? '-' : '') + bytes(Math.abs(n)); }
  function scount(n) { return (n > 0 ? '+' : n < 0 ? '-' : '') + count(Math.abs(n)); }

  // ---- header ----
  function renderHeader() {
    var h = D.header, g = D.graph, dl = document.getElementById('header-fields');
    document.getElementById('h-file').textContent = h.file;
    document.title = 'heapsnap report: ' + h.file;
    function field(k, v) { if (v === undefined || v === null || v === '') return; add(dl, el('dt', null, k), el('dd', null, v)); }
    field('file', h.file + (h.file_bytes !== undefined ? ' (' + bytes(h.file_bytes) + ' on disk)' : ''));
    field('producer', h.producer + (h.producer_version ? ' ' + h.producer_version : ''));
    field('runtime', h.runtime);
    field('pid', h.pid);
    if (h.time_us > 0) field('time', new Date(h.time_us / 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));
    field('host', h.hostname);
    field('pointer size', h.pointer_size ? h.pointer_size + ' bytes' : null);
    field('format', h.format_version);
    if (h.tags) {
      var tk = Object.keys(h.tags);
      if (tk.length) field('tags', tk.map(function (k) { return k + '=' + h.tags[k]; }).join(', '));
    }
    field('blocks', count(g.blocks) + ' (' + bytes(g.total_shallow) + ')');
    field('references', count(g.references) + ' (' + count(g.strong_references) + ' strong)');
    field('roots', count(g.roots));
    field('reachable', count(g.reachable.blocks) + ' blocks, ' + bytes(g.reachable.bytes));
    field('unreachable', count(g.unreachable.blocks) + ' blocks, ' + bytes(g.unreachable.bytes));
    var it = document.getElementById('integrity');
    add(it, el('span', D.integrity.ok ? 'ok' : 'warn', D.integrity.ok ? 'Integrity ok' : 'Integrity DAMAGED'),
        ': ' + D.integrity.checked + '.');
    var m = g.missing;
    if (m.references || m.orphan_references || m.roots) {
      add(it, ' ', el('span', 'warn', 'Not in the snapshot: ' + count(m.references) + ' references to undeclared blocks, ' +
        count(m.orphan_references) + ' references from undeclared holders, ' + count(m.roots) + ' roots (' +
        count(m.addresses) + ' undeclared addresses).'));
    }
  }

  // ---- growth since the base snapshot ----
  function diffPathEl(path) { // as `heapsnap diff --json`: [root, {block, held, label}, ...]
    var p = el('div', 'path');
    if (!path || !path.length) { p.textContent = '(no path)'; return p; }
    var r = path[0];
    add(p, el('span', 'root', r.root === 'shared' || r.root === 'unreachable' ? '<' + r.root + '>' : rootText(r)));
    for (var k = 1; k < path.length; k++) {
      var s = path[k]; // the label under which the previous block holds this one, as the CLI prints it
      if (s.held === 'direct' || s.held === 'shared') add(p, ' ', el('span', 'lbl', labelText(s.label)));
      add(p, ' \u2192 ', blockSpan(s.block));
    }
    return p;
  }
  function treeLinks(li, node) {
    if (node < 0) return;
    var b1 = el('button', 'link', 'show in tree'), b2 = el('button', 'link', 'show in picture');
    b1.type = b2.type = 'button';
    b1.addEventListener('click', function () { reveal(node); });
    b2.addEventListener('click', function () { zoomTo(T.p[node] >= 0 ? T.p[node] : node); document.getElementById('picture').scrollIntoView(); });
    add(li, add(el('div', 's-line'), b1, ' \u00b7 ', b2));
  }
  function renderGrowth() {
    if (!G) return;
    document.getElementById('growth').hidden = false;
    document.getElementById('nav-growth').hidden = false;
    document.getElementById('g-base').textContent = G.before.file;
    var b = G.before, a = G.after;
    document.getElementById('growth-note').textContent = 'From ' + b.file + ' to ' + a.file + ': blocks ' + count(b.blocks) + ' \u2192 ' +
      count(a.blocks) + ' (' + scount(a.blocks - b.blocks) + '), reachable ' + bytes(b.reachable) + ' \u2192 ' + bytes(a.reachable) +
      ' (' + sbytes(a.reachable - b.reachable) + '). Rows under the noise threshold (' + bytes(G.noise) +
      ') are not shown; at most ' + G.rows + ' per view.';
    var ol = document.getElementById('growth-owners');
    if (!G.owners.length) ol.parentNode.insertBefore(el('p', 'note', 'No owner grew by ' + bytes(G.noise) + ' or more.'), ol);
    G.owners.forEach(function (o) {
      var li = el('li', 'owner');
      li.dataset.tree = String(o.tree);
      li.dataset.entries = String(o.entries);
      li.dataset.growth = String(o.growth);
      add(li, add(el('div', 's-title'), el('span', 'mono owner-name', o.owner), ' (', el('span', 'type', o.type), '): ',
          el('span', 'plus', scount(o.entries) + ' entries'), o.entries_type ? ' (' + o.entries_type + ')' : '', ', ',
          el('span', 'plus', sbytes(o.growth) + ' retained'), o.alike > 1 ? ' [' + count(o.alike) + ' alike]' : ''));
      add(li, el('div', 's-line', 'retained ' + bytes(o.retained.before) + ' \u2192 ' + bytes(o.retained.after) + '; ' +
          scount(o.children_added) + ' child objects added; now ' + (o.block.addr || '')));
      add(li, diffPathEl(o.path));
      treeLinks(li, o.tree);
      ol.appendChild(li);
    });
    var tb = document.querySelector('#growth-types tbody');
    G.types.forEach(function (t) {
      add(tb, add(el('tr'), el('td', 'type', t.type), numCell('td', t.count.delta, scount(t.count.delta)),
          numCell('td', t.count.after, count(t.count.after)), numCell('td', t.shallow.delta, sbytes(t.shallow.delta)),
          numCell('td', t.shallow.after, bytes(t.shallow.after)), numCell('td', t.retained.delta, sbytes(t.retained.delta)),
          numCell('td', t.retained.after, bytes(t.retained.after))));
    });
    if (!G.types.length) add(tb, add(el('tr'), add(el('td', 'note', 'No type grew by ' + bytes(G.noise) + ' or more.'))));
    var nw = G['new'];
    document.getElementById('growth-new-note').textContent = count(nw.objects) + ' blocks (' + bytes(nw.bytes) + ') of ' + a.file +
      ' were not in ' + b.file + ' (same address, type and retainer path), by type and by the block that holds them.';
    tb = document.querySelector('#growth-new-types tbody');
    nw.by_type.forEach(function (t) {
      add(tb, add(el('tr'), el('td', 'type', t.type), numCell('td', t.count, count(t.count)), numCell('td', t.bytes, bytes(t.bytes))));
    });
    tb = document.querySelector('#growth-new-owners tbody');
    nw.by_owner.forEach(function (c) {
      var tr = el('tr');
      tr.dataset.tree = String(c.tree);
      add(tr, numCell('td', c.objects, count(c.objects)), numCell('td', c.bytes, bytes(c.bytes)),
          el('td', 'type', count(c.top) + ' \u00d7 ' + c.type),
          add(el('td'), el('span', 'mono owner-name', c.owner), ' (', el('span', 'type', c.owner_type), ')'),
          add(el('td'), diffPathEl(c.path)));
      tb.appendChild(tr);
    });
  }

  // ---- suspects ----
  function renderSuspects() {
    var ol = document.getElementById('suspect-list');
    if (!D.suspects.length) { add(ol.parentNode, el('p', 'note', 'No block retains anything.')); return; }
    D.suspects.forEach(function (s, k) {
      var b = s.block, li = el('li', 'suspect');
      li.dataset.addr = b.addr || '';
      li.dataset.retained = String(s.retained);
      var title = add(el('div', 's-title'), (s.count > 1 ? count(s.count) + ' \u00d7 ' : ''), el('span', 'mono owner-name', s.name),
        ' retain' + (s.count > 1 ? '' : 's') + ' ' + bytes(s.retained) + ' (' + pct(s.retained, TOTAL) + ')');
      add(title, ' \u2014 ', s.count > 1 ? 'e.g. ' : '', blockSpan(b));
      if (!b.reachable) add(title, ' ', el('span', 'tag garbage', 'unreachable'));
      add(li, title);
      add(li, el('div', 's-line', count(s.blocks) + ' blocks in ' + count(s.children) + ' dominated children; shallow ' + bytes(b.shallow) +
        (s.largest.length ? '; largest: ' + s.largest.map(function (c) { return c.type + ' ' + bytes(c.retained); }).join(', ') : '')));
      if (s.dominators.length) {
        var dom = add(el('div', 's-line'), 'kept alive by: ');
        s.dominators.forEach(function (d, j) { add(dom, j ? ' \u203a ' : '', blockSpan(d)); });
        add(li, dom);
      }
      add(li, pathEl(s.path, b.reachable));
      if (s.tree >= 0) {
        var btn = el('button', 'link', 'show in tree');
        btn.type = 'button';
        btn.addEventListener('click', function () { reveal(s.tree); });
        var z = el('button', 'link', 'show in picture');
        z.type = 'button';
        z.addEventListener('click', function () { zoomTo(s.tree); document.getElementById('picture').scrollIntoView(); });
        add(li, add(el('div', 's-line'), btn, ' \u00b7 ', z));
      }
      ol.appendChild(li);
    });
  }

  // ---- largest retainers (as `heapsnap top`) ----
  function renderTop() {
    var tb = document.querySelector('#top-table tbody');
    D.top.forEach(function (e) {
      var b = e.block, tr = el('tr');
      tr.dataset.addr = b.addr || '';
      var bc = add(el('td'), blockSpan(b));
      if (!b.reachable) add(bc, ' ', el('span', 'tag garbage', 'unreachable'));
      add(tr, numCell('td', b.retained, bytes(b.retained)), numCell('td', b.shallow, bytes(b.shallow)), bc,
          add(el('td'), pathEl(e.path, b.reachable)));
      tb.appendChild(tr);
    });
  }

  // ---- the dominator tree ----
  var SHOW_STEP = 50;
  var treeState = new Array(N); // {el, kidsEl, open, shown}
  function nodeRow(i) {
    var wrap = el('div', 'tnode'), row = el('div', 'trow');
    row.setAttribute('role', 'treeitem');
    row.setAttribute('aria-level', String(depthOf[i] + 1));
    row.dataset.node = String(i);
    row.dataset.addr = nodeAddr(i);
    var expandable = kids[i].length > 0 || moreOf[i];
    var name = el('span', 'tname');
    name.style.paddingLeft = (depthOf[i] * 16) + 'px';
    var tog = el('span', 'toggle', expandable ? '\u25b8' : '');
    var w = TOTAL ? Math.max(1, Math.round(60 * T.r[i] / TOTAL)) : 1;
    var bar = el('span', 'bar');
    bar.style.width = w + 'px';
    add(name, tog, bar, el('span', 'type', nodeType(i)));
    if (T.a[i]) add(name, el('span', 'addr', nodeAddr(i)));
    if (T.l[i] >= 0) add(name, el('span', 'lbl', nodeLabel(i)));
    if (T.f[i] & 1 && !(T.f[i] & 4)) add(name, el('span', 'unr', 'unreachable'));
    if (T.f[i] & 2) add(name, el('span', 'tag fin', 'finalizer'));
    if (growOf[i] >= 0) {
      var o = G.owners[growOf[i]], badge = el('span', 'badge grow', sbytes(o.growth));
      badge.title = 'grew since ' + G.before.file + ': ' + o.owner + ' ' + scount(o.entries) + ' entries, ' + sbytes(o.growth) +
        ' retained' + (o.alike > 1 ? ' (all ' + count(o.alike) + ' alike together)' : '');
      row.classList.add('grew');
      add(name, badge);
    } else if (holdsGrowth[i]) {
      var m = el('span', 'grew-in', '\u25b2 growth inside');
      m.title = 'a block under this one grew since ' + G.before.file;
      add(name, m);
    }
    add(row, name, numCell('span', T.r[i], bytes(T.r[i])), numCell('span', T.s[i], bytes(T.s[i])), numCell('span', T.c[i], count(T.c[i])));
    row.title = nodeType(i) + (T.a[i] ? ' ' + nodeAddr(i) : '') + ': retains ' + bytes(T.r[i]) + ' (' + pct(T.r[i], TOTAL) + ')';
    wrap.appendChild(row);
    treeState[i] = { el: wrap, row: row, tog: tog, kidsEl: null, open: false, shown: 0 };
    if (expandable) {
      row.setAttribute('aria-expanded', 'false');
      row.tabIndex = 0;
      row.addEventListener('click', function () { toggle(i); });
      row.addEventListener('keydown', function (ev) { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); toggle(i); } });
    }
    return wrap;
  }
  function defaultShown(i) { // children retaining at least 1% of the parent, at least 1, at most SHOW_STEP
    var ks = kids[i], n = 0;
    while (n < ks.length && n < SHOW_STEP && (n === 0 || T.r[ks[n]] * 100 >= T.r[i])) n++;
    return n;
  }
  function fillKids(i) {
    var st = treeState[i], box = st.kidsEl, ks = kids[i];
    var old = box.querySelector(':scope > .more-shown');
    if (old) box.removeChild(old);
    var oldAgg = box.querySelector(':scope > .more-agg');
    if (oldAgg) box.removeChild(oldAgg);
    var have = box.children.length;
    for (var k = have; k < st.shown; k++) box.appendChild(nodeRow(ks[k]));
    var pad = ((depthOf[i] + 1) * 16 + 22) + 'px';
    if (st.shown < ks.length) {
      var rest = 0;
      for (k = st.shown; k < ks.length; k++) rest += T.r[ks[k]];
      var row = el('div', 'trow more more-shown'), name = el('span', 'tname');
      name.style.paddingLeft = pad;
      var b = el('button', 'link', 'show ' + Math.min(SHOW_STEP, ks.length - st.shown) + ' more');
      b.type = 'button';
      b.addEventListener('click', function (ev) { ev.stopPropagation(); st.shown = Math.min(ks.length, st.shown + SHOW_STEP); fillKids(i); });
      add(name, '\u2026 ' + count(ks.length - st.shown) + ' smaller children (' + bytes(rest) + ') ', b);
      add(row, name, numCell('span', rest, bytes(rest)), el('span'), el('span'));
      box.appendChild(row);
    }
    var m = moreOf[i];
    if (m) {
      var r2 = el('div', 'trow more more-agg'), n2 = el('span', 'tname');
      n2.style.paddingLeft = pad;
      add(n2, '\u2026 ' + count(m[1]) + ' more children beyond the report\'s node budget');
      add(r2, n2, numCell('span', m[2], bytes(m[2])), el('span'), numCell('span', m[3], count(m[3])));
      box.appendChild(r2);
    }
  }
  function toggle(i, forceOpen) {
    var st = treeState[i];
    if (!st || !(kids[i].length || moreOf[i])) return;
    var open = forceOpen === undefined ? !st.open : forceOpen;
    if (open === st.open) return;
    st.open = open;
    st.row.setAttribute('aria-expanded', String(open));
    st.tog.textContent = open ? '\u25be' : '\u25b8';
    if (open) {
      if (!st.kidsEl) {
        st.kidsEl = el('div', 'tkids');
        st.kidsEl.setAttribute('role', 'group');
        st.el.appendChild(st.kidsEl);
        st.shown = defaultShown(i);
        fillKids(i);
      }
      st.kidsEl.hidden = false;
    } else if (st.kidsEl) {
      st.kidsEl.hidden = true;
    }
  }
  function reveal(i) {
    var chain = [];
    for (var v = i; v >= 0; v = T.p[v]) chain.push(v);
    chain.reverse();
    for (var k = 0; k + 1 < chain.length; k++) {
      var p = chain[k], c = chain[k + 1];
      toggle(p, true);
      var idx = kids[p].indexOf(c);
      if (idx >= treeState[p].shown) { treeState[p].shown = idx + 1; fillKids(p); }
    }
    var prev = document.querySelector('.trow.sel');
    if (prev) prev.classList.remove('sel');
    if (treeState[i]) {
      treeState[i].row.classList.add('sel');
      treeState[i].row.scrollIntoView({ block: 'center' });
    }
  }
  function renderTree() {
    var body = document.getElementById('tree-body');
    tops.forEach(function (t) { body.appendChild(nodeRow(t)); });
    if (tops.length) toggle(tops[0], true);
    var b = D.budget;
    document.getElementById('tree-note').textContent = 'Each block under the block that keeps it alive (its immediate dominator), ' +
      'largest first; click a row to expand it. Children under 1% of their parent are grouped. This report embeds the ' +
      count(b.embedded) + ' largest of ' + count(b.tree_nodes) + ' nodes (budget ' + count(b.nodes) + '); the rest are summed per parent.';
  }

  // ---- the picture: an icicle of the dominator tree on a canvas ----
  var canvas = document.getElementById('pic-canvas'), tip = document.getElementById('pic-tip');
  var ROW = 22, focus = -1, rects = [];
  function hue(s) { var h = 0; for (var k = 0; k < s.length; k++) h = (h * 31 + s.charCodeAt(k)) | 0; return Math.abs(h) % 360; }
  function color(i) {
    if (growOf[i] >= 0) return '#f08c5a';
    if (T.f[i] & 4) return '#c9d1d9';
    if (T.f[i] & 1) return 'hsl(' + hue(nodeType(i)) + ',18%,78%)';
    return 'hsl(' + hue(nodeType(i)) + ',58%,' + (70 - Math.min(depthOf[i], 8) * 2) + '%)';
  }
  function layout(width) {
    rects = [];
    var rows = Math.floor(canvas.height / (window.devicePixelRatio || 1) / ROW);
    var first = focus >= 0 ? [focus] : tops, sum = 0;
    first.forEach(function (t) { sum += T.r[t]; });
    if (!sum) return;
    var queue = [], x = 0;
    first.forEach(function (t) { var w = width * T.r[t] / sum; queue.push([t, x, w, 0]); x += w; });
    for (var q = 0; q < queue.length; q++) {
      var it = queue[q], node = it[0], x0 = it[1], w0 = it[2], d = it[3];
      rects.push({ node: node, x: x0, w: w0, d: d });
      if (d + 1 >= rows || !T.r[node]) continue;
      var cx = x0, ks = kids[node];
      for (var k = 0; k < ks.length; k++) {
        var cw = w0 * T.r[ks[k]] / T.r[node];
        if (cw < 0.5) break; // sorted: the rest are smaller still
        queue.push([ks[k], cx, cw, d + 1]);
        cx += cw;
      }
    }
  }
  function drawPicture() {
    var dpr = window.devicePixelRatio || 1, cssW = canvas.clientWidth || 800, cssH = 264;
    canvas.width = Math.round(cssW * dpr);
    canvas.height = Math.round(cssH * dpr);
    var ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    layout(cssW);
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    rects.forEach(function (r) {
      var y = r.d * ROW;
      ctx.fillStyle = color(r.node);
      ctx.fillRect(r.x, y, Math.max(r.w - 1, 0.5), ROW - 1);
      if (holdsGrowth[r.node] || growOf[r.node] >= 0) { // a band on the way down to growth
        ctx.fillStyle = '#d9480f';
        ctx.fillRect(r.x, y + ROW - 4, Math.max(r.w - 1, 0.5), 3);
      }
      if (r.w > 36) {
        var text = (growOf[r.node] >= 0 ? sbytes(G.owners[growOf[r.node]].growth) + ' ' : '') + short(nodeType(r.node)) + ' ' + bytes(T.r[r.node]);
        ctx.save();
        ctx.beginPath();
        ctx.rect(r.x + 3, y, r.w - 6, ROW);
        ctx.clip();
        ctx.fillStyle = '#1d2329';
        ctx.fillText(text, r.x + 4, y + ROW / 2);
        ctx.restore();
      }
    });
    renderCrumbs();
  }
  function hit(ev) {
    var box = canvas.getBoundingClientRect(), x = ev.clientX - box.left, y = ev.clientY - box.top;
    var d = Math.floor(y / ROW);
    for (var k = 0; k < rects.length; k++) {
      var r = rects[k];
      if (r.d === d && x >= r.x && x < r.x + r.w) return r;
    }
    return null;
  }
  function zoomTo(i) { focus = i; drawPicture(); }
  function renderCrumbs() {
    var c = document.getElementById('pic-crumbs');
    c.textContent = '';
    var b0 = el('button', 'link', 'whole heap');
    b0.type = 'button';
    b0.addEventListener('click', function () { zoomTo(-1); });
    add(c, b0);
    if (focus < 0) return;
    var chain = [];
    for (var v = focus; v >= 0; v = T.p[v]) chain.push(v);
    chain.reverse().forEach(function (v) {
      var b = el('button', 'link', nodeType(v) + (T.a[v] ? ' ' + nodeAddr(v) : ''));
      b.type = 'button';
      b.addEventListener('click', function () { zoomTo(v); });
      add(c, ' \u203a ', b);
    });
  }
  function showTip(r, ev) {
    var i = r.node, box = canvas.getBoundingClientRect();
    tip.textContent = '';
    add(tip, el('div', null, nodeType(i) + (T.a[i] ? ' ' + nodeAddr(i) : '') + (T.l[i] >= 0 ? '  ' + nodeLabel(i) : '')),
        el('div', null, 'retained ' + bytes(T.r[i]) + ' (' + pct(T.r[i], TOTAL) + ' of the heap), shallow ' + bytes(T.s[i])),
        el('div', null, count(T.c[i]) + ' blocks, ' + count(kids[i].length + (moreOf[i] ? moreOf[i][1] : 0)) + ' dominated children'));
    if (growOf[i] >= 0) {
      var o = G.owners[growOf[i]];
      add(tip, el('div', null, 'grew since ' + G.before.file + ': ' + scount(o.entries) + ' entries, ' + sbytes(o.growth) + ' (' + o.owner + ')'));
    } else if (holdsGrowth[i]) {
      add(tip, el('div', null, 'holds a block that grew since ' + G.before.file));
    }
    tip.hidden = false;
    var x = ev.clientX - box.left + 12, y = ev.clientY - box.top + 14;
    if (x + 300 > box.width) x = Math.max(0, box.width - 300);
    tip.style.left = x + 'px';
    tip.style.top = y + 'px';
  }
  function renderPicture() {
    canvas.addEventListener('mousemove', function (ev) { var r = hit(ev); if (r) showTip(r, ev); else tip.hidden = true; });
    canvas.addEventListener('mouseleave', function () { tip.hidden = true; });
    canvas.addEventListener('click', function (ev) {
      var r = hit(ev);
      if (!r) return;
      if (r.node === focus) zoomTo(T.p[focus] >= 0 ? T.p[focus] : -1);
      else zoomTo(r.node);
    });
    window.addEventListener('resize', drawPicture);
    drawPicture();
  }

  // ---- types ----
  var typeSort = { key: 3, desc: true };
  function renderTypes() {
    var ty = D.types, tb = document.querySelector('#types-table tbody'), filter = document.getElementById('types-filter');
    document.getElementById('types-note').textContent = count(ty.count) + ' types, as heapsnap summary counts them; retained is the ' +
      'memory freed if every instance went, computed for the ' + count(ty.retained_rows) + ' types with the most shallow bytes' +
      (ty.other.types ? '; ' + count(ty.other.types) + ' smaller types (' + count(ty.other.count) + ' blocks, ' + bytes(ty.other.shallow) + ') not listed' : '') + '.';
    function draw() {
      var f = filter.value.toLowerCase(), k = typeSort.key, desc = typeSort.desc;
      var rows = ty.rows.filter(function (r) { return !f || r[0].toLowerCase().indexOf(f) >= 0; });
      rows.sort(function (a, b) {
        var x = a[k], y = b[k], c;
        if (k === 0) c = x < y ? -1 : x > y ? 1 : 0;
        else c = (x === null ? -1 : x) - (y === null ? -1 : y);
        return desc ? -c : c;
      });
      tb.textContent = '';
      var frag = document.createDocumentFragment();
      rows.slice(0, 2000).forEach(function (r) {
        var tr = el('tr');
        add(tr, el('td', 'type', r[0]), numCell('td', r[2], count(r[2])), numCell('td', r[3], bytes(r[3])),
            r[4] === null ? el('td', 'num', '\u2014') : numCell('td', r[4], bytes(r[4])));
        frag.appendChild(tr);
      });
      tb.appendChild(frag);
      document.querySelectorAll('#types-table th').forEach(function (th) {
        if (+th.dataset.key === k) th.setAttribute('aria-sort', desc ? 'descending' : 'ascending');
        else th.removeAttribute('aria-sort');
      });
    }
    document.querySelectorAll('#types-table th').forEach(function (th) {
      th.addEventListener('click', function () {
        var k = +th.dataset.key;
        if (typeSort.key === k) typeSort.desc = !typeSort.desc;
        else { typeSort.key = k; typeSort.desc = k !== 0; }
        draw();
      });
    });
    filter.addEventListener('input', draw);
    draw();
  }

  // ---- cycles ----
  function renderCycles() {
    var c = D.cycles, tb = document.querySelector('#cycles-table tbody');
    document.getElementById('cycles-note').textContent = count(c.count) + ' cycles (strongly connected components over strong ' +
      'references): ' + count(c.blocks) + ' blocks, ' + bytes(c.bytes) + '; ' + count(c.garbage) + ' of them garbage (' +
      bytes(c.garbage_bytes) + '). Identical cycles share a row; garbage first, then by the bytes they keep alive' +
      (c.list.length < c.rows ? '; the first ' + c.list.length + ' of ' + count(c.rows) + ' rows are listed' : '') +
      (c.hidden ? '. ' + count(c.hidden) + ' interpreter cycles (classes, modules, functions and their ' +
        'namespaces; ' + count(c.hidden_blocks) + ' blocks, ' + bytes(c.hidden_bytes) + ') are not listed' : '') + '.';
    c.list.forEach(function (y) {
      var tr = el('tr');
      add(tr, numCell('td', y.count, count(y.count)), numCell('td', y.members, count(y.members)),
          numCell('td', y.kept, bytes(y.kept)), numCell('td', y.bytes, bytes(y.bytes)),
          add(el('td'), el('span', y.reachable ? 'tag' : 'tag garbage', y.reachable ? 'reachable' : 'garbage')),
          add(el('td'), y.finalizer ? el('span', 'tag fin', 'finalizer') : 'no'),
          el('td', 'addr', y.example),
          el('td', null, y.types.map(function (t) { return t.type + (t.count > 1 ? ' \u00d7' + t.count : ''); }).join(', ')));
      tb.appendChild(tr);
    });
  }

  function renderFooter() {
    var b = D.budget;
    document.getElementById('footer').textContent = 'Written by heapsnap ' + D.header.heapsnap + ' (report schema ' + D.schema +
      '). Dominator tree: ' + count(b.embedded) + ' of ' + count(b.tree_nodes) + ' nodes embedded (budget ' + count(b.nodes) +
      '). Self-contained: this page loads nothing from the network.';
  }

  renderHeader();
  renderGrowth();
  renderSuspects();
  renderTree();
  renderPicture();
  renderTypes();
  renderCycles();
  renderTop();
  renderFooter();

  // ---- for the tests ----
  hook.data = D;
  hook.picture = function () {
    return rects.map(function (r) {
      return { depth: r.d, x: r.x, w: r.w, node: r.node, type: nodeType(r.node), addr: nodeAddr(r.node), grew: growOf[r.node], holds: !!holdsGrowth[r.node] };
    });
  };
  hook.zoomTo = zoomTo;
  hook.reveal = reveal;
  hook.ready = true;
  document.body.dataset.ready = '1';
})();
