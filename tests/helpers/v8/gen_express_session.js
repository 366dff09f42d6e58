// tests/helpers/v8/gen_express_session.js — the express-session leak of
// docs/v8.md#types, dumped three times: express 4 with express-session 1's
// default MemoryStore (which keeps every session: saveUninitialized, and the
// clients never send the cookie back), plus a profile object per session, a
// Session instance (this file) in a global list and an audit Session
// (gen_session_audit.js, the same class name in another script). Not run by
// ctest (it needs npm packages); by hand, outside the repository:
//   mkdir /tmp/es && cd /tmp/es && npm install express@4 express-session@1
//   NODE_PATH=/tmp/es/node_modules node --expose-gc gen_express_session.js s1 s2 s3
// then tests/v8/devtools/devtools_views.sh HEAPSNAP ORACLE s1 s2. Requests: 2,000,
// then 3,000 more, then 1,000 more (a GC before each dump).
'use strict';
const express = require('express');
const session = require('express-session');
const http = require('http');
const v8 = require('v8');
const audit = require('./gen_session_audit');
const out = process.argv.slice(2);
if (out.length !== 3) { console.error('usage: node gen_express_session.js S1 S2 S3'); process.exit(2); }
class Session { constructor(sid, user) { this.sid = sid; this.user = user; this.hits = 0; } }
const profiles = new Map();
globalThis.lastSessions = [];
const app = express();
app.use(session({ secret: 'leak', resave: false, saveUninitialized: true }));
app.get('/', (req, res) => {
  req.session.views = (req.session.views || 0) + 1;
  req.session.cart = { items: [req.query.i | 0], total: 0 };
  profiles.set(req.sessionID, { id: req.sessionID, name: 'user' + req.query.i, tags: ['a', 'b'], created: Date.now() });
  const s = new Session(req.sessionID, req.query.i | 0);
  s.hits++;
  audit.log.push(new audit.Session(req.sessionID));
  globalThis.lastSessions.push(s);
  res.end('ok');
});
const server = app.listen(0, '127.0.0.1', async () => {
  const port = server.address().port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const get = i => new Promise((ok, bad) =>
    http.get({ host: '127.0.0.1', port, path: '/?i=' + i, agent }, r => { r.resume(); r.on('end', ok); }).on('error', bad));
  const batch = async (from, n) => {
    for (let i = from; i < from + n; i += 50) await Promise.all(Array.from({ length: 50 }, (_, k) => get(i + k)));
  };
  let at = 0;
  for (const [k, n] of [[0, 2000], [1, 3000], [2, 1000]]) {
    await batch(at, n);
    at += n;
    if (global.gc) global.gc();
    v8.writeHeapSnapshot(out[k]);
  }
  agent.destroy();
  server.close();
});
