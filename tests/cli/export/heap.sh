# A 20000-block hsgen heap exported (bulk rows, the second pass on a thread): the graph's counts and
# totals from `top --json` equal the tables' (blocks, refs, strong refs, roots, shallow bytes,
# reachable blocks and bytes); each of its top 20 rows' block has the same type, size, retained bytes
# and reachability in SQL; the children of 20000+ bytes of the roots and of the unreachable group in
# `dominators --json` are the blocks without a dominator of 20000+ retained bytes. On it and on the
# small heap (which has sites and values): every index answers as a full scan does (refs by target
# and by holder, blocks by type, by dominator and by site) and the query planner uses each one; with
# HEAPSNAP_THREADS=1 (the second pass first, on one thread) the database holds the same rows.
"$BIN/hsgen" heap 20000 h.hsnap 1 && "$HEAPSNAP" top --json -n 20 h.hsnap >top.json &&
"$HEAPSNAP" dominators --json --depth 1 --min-bytes 20000 h.hsnap >dom.json &&
"$HEAPSNAP" export --sqlite h.db h.hsnap && HEAPSNAP_THREADS=1 "$HEAPSNAP" export --sqlite h1.db h.hsnap &&
"$MKSNAP" small s.hsnap && "$HEAPSNAP" export --sqlite s.db s.hsnap &&
HEAPSNAP_THREADS=1 "$HEAPSNAP" export --sqlite s1.db s.hsnap &&
/usr/bin/python3 - <<'PY'
import json, sqlite3
top = json.load(open("top.json"))
db = sqlite3.connect("h.db")
q = lambda sql, *a: db.execute(sql, a).fetchall()
gr = top["graph"]
counts = q("""SELECT (SELECT count(*) FROM blocks), (SELECT count(*) FROM refs),
    (SELECT count(*) FROM refs WHERE kind = 'strong'), (SELECT count(*) FROM roots), (SELECT sum(size) FROM blocks),
    (SELECT count(*) FROM blocks WHERE reachable), (SELECT sum(size) FROM blocks WHERE reachable)""")[0]
want = (gr["blocks"], gr["references"], gr["strong_references"], gr["roots"], gr["total_shallow"],
        gr["reachable"]["blocks"], gr["reachable"]["bytes"])
print("counts", "equal" if counts == want else f"differ: {counts} != {want}")
bad = 0
for row in top["top"]:
    b = row["block"]
    got = q("""SELECT t.name, b.size, b.retained, b.reachable FROM blocks b JOIN types t ON t.id = b.type
        WHERE b.address = ?""", int(b["addr"], 16))
    if got != [(b["type"], b["shallow"], b["retained"], int(b["reachable"]))]:
        bad += 1
        print("differs:", b, got)
print(len(top["top"]), "top rows,", bad, "differ")
dom = json.load(open("dom.json"))
for tree, reach in (("<roots>", 1), ("<unreachable>", 0)):
    kids = next(t for t in dom["trees"] if t["node"]["type"] == tree)["children"]
    want = sorted((int(c["node"]["addr"], 16), c["node"]["retained"]) for c in kids)
    got = sorted(q("""SELECT address, retained FROM blocks WHERE dominator IS NULL AND reachable = ?
        AND retained >= 20000""", reach))
    print(tree, len(want), "children of 20000+ bytes:", "equal" if got == want else f"differ: {got} != {want}")
checks = [("refs", "target", "refs_target", "holder, seq"), ("refs", "holder", "PRIMARY KEY", "seq"),
          ("blocks", "type", "blocks_type", "id"), ("blocks", "dominator", "blocks_dominator", "id"),
          ("blocks", "site", "blocks_site", "id")]
for name in ("h", "s"):
    db = sqlite3.connect(name + ".db")
    for table, col, ix, order in checks:
        keys = [k for (k,) in q(f"SELECT DISTINCT {col} FROM {table} WHERE {col} IS NOT NULL ORDER BY random() LIMIT 50")]
        same = all(q(f"SELECT * FROM {table} WHERE {col} = ? ORDER BY {order}", k) ==
                   q(f"SELECT * FROM {table} NOT INDEXED WHERE {col} = ? ORDER BY {order}", k) for k in keys)
        plan = " ".join(r[-1] for r in q(f"EXPLAIN QUERY PLAN SELECT * FROM {table} WHERE {col} = ?", 1))
        print(f"{name}: {table}.{col}: {len(keys)} keys, {'as' if same else 'NOT as'} a full scan;",
              f"the plan uses {ix}: {ix in plan}")
    db1 = sqlite3.connect(name + "1.db")
    for t in ("meta", "types", "blocks", "refs", "roots", "frames", "sites", '"values"'):
        sql = f"SELECT * FROM {t} ORDER BY 1, 2"
        if q(sql) != db1.execute(sql).fetchall(): print(name, t, "differs with HEAPSNAP_THREADS=1")
    print(name, "integrity", q("PRAGMA integrity_check"), "values", q('SELECT count(*) FROM "values"'))
PY
