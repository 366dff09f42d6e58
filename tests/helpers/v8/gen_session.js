// tests/helpers/v8/gen_session.js — a leaking session store on node's http
// module, dumped twice: node gen_session.js BEFORE AFTER [N]. Every request
// comes without the session cookie, so the server makes a new session each
// time and keeps it forever (the shape of express-session's MemoryStore
// leak): the store holds each session as a JSON string, the app keeps a
// profile object per session ({id, name, tags, created}), a Session instance
// (this file) in a global list and an audit Session (gen_session_audit.js,
// the same class name in another script). N requests (default 2000) before
// the first snapshot, 1.5 N more before the second.
'use strict';
const http = require('http');
const crypto = require('crypto');
const v8 = require('v8');
const audit = require('./gen_session_audit');
const [before, after, nArg] = process.argv.slice(2);
if (!before || !after) { console.error('usage: node gen_session.js BEFORE AFTER [N]'); process.exit(2); }
const N = +(nArg || 2000);
class Session { constructor(sid, user) { this.sid = sid; this.user = user; this.hits = 0; } }
const store = { sessions: Object.create(null) };
const profiles = new Map();
globalThis.liveSessions = [];
const server = http.createServer((req, res) => {
  const i = +new URL(req.url, 'http://x').searchParams.get('i');
  const sid = crypto.randomBytes(18).toString('base64url');
  store.sessions[sid] = JSON.stringify({ cookie: { path: '/', httpOnly: true }, views: 1, cart: { items: [i] } });
  profiles.set(sid, { id: sid, name: 'user' + i, tags: ['a', 'b'], created: Date.now() });
  globalThis.liveSessions.push(new Session(sid, i));
  audit.log.push(new audit.Session(sid));
  res.setHeader('Set-Cookie', 'sid=' + sid);
  res.end('ok');
});
server.listen(0, '127.0.0.1', async () => {
  const port = server.address().port;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const get = i => new Promise((ok, bad) =>
    http.get({ host: '127.0.0.1', port, path: '/?i=' + i, agent }, r => { r.resume(); r.on('end', ok); }).on('error', bad));
  const batch = async (from, n) => {
    for (let i = from; i < from + n; i += 50) await Promise.all(Array.from({ length: Math.min(50, from + n - i) }, (_, k) => get(i + k)));
  };
  await batch(0, N);
  v8.writeHeapSnapshot(before);
  await batch(N, N * 1.5);
  v8.writeHeapSnapshot(after);
  agent.destroy();
  server.close();
});
