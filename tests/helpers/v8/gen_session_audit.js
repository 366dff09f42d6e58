// tests/helpers/v8/gen_session_audit.js — the audit log of gen_session.js: a
// second class named Session, in another script (DevTools keeps the two apart).
'use strict';
class Session { constructor(id) { this.id = id; this.seen = Date.now(); } }
module.exports = { Session, log: [] };
