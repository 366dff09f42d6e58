# The small heap as SQLite tables: counts equal info's, the cache dict's retained bytes, who refers to
# the first Thing, the dominator subtree of the cache, instances of a type with retained > N, the
# frames and sites and the blocks by site, the dumped values (python3's sqlite3).
"$MKSNAP" small s.hsnap && "$HEAPSNAP" export --sqlite s.db s.hsnap && /usr/bin/python3 - <<'PY'
import sqlite3
db = sqlite3.connect("s.db")
q = lambda sql, *a: db.execute(sql, a).fetchall()
print("schema", q("SELECT value FROM meta WHERE key = 'schema'"))
print("counts", q("SELECT (SELECT count(*) FROM blocks), (SELECT count(*) FROM refs), (SELECT count(*) FROM roots)"))
print("cache", q("SELECT printf('0x%x', address), size, retained FROM blocks WHERE address = 0x2000"))
print("referrers of 0x4000", q("""SELECT printf('0x%x', h.address), r.label, r.kind FROM refs r
    JOIN blocks h ON h.id = r.holder JOIN blocks t ON t.id = r.target WHERE t.address = 0x4000 ORDER BY h.address"""))
print("dominated by the cache", q("""WITH RECURSIVE sub(id) AS (SELECT id FROM blocks WHERE address = 0x2000
    UNION ALL SELECT b.id FROM blocks b JOIN sub ON b.dominator = sub.id)
    SELECT count(*), sum(size) FROM blocks WHERE id IN (SELECT id FROM sub)"""))
print("Things retaining > 100", q("""SELECT printf('0x%x', b.address), b.retained FROM blocks b JOIN types t ON t.id = b.type
    WHERE t.name = 'app.models.Thing' AND b.retained > 100 ORDER BY b.address"""))
print("roots", q("SELECT kind, name FROM roots ORDER BY kind, name"))
print("frames", q("SELECT id, function, file, line FROM frames ORDER BY id"))
print("sites", q("SELECT site, depth, frame FROM sites ORDER BY site, depth"))
print("blocks by site", q("""SELECT f.function, f.file, f.line, count(*), sum(b.size) FROM blocks b
    JOIN sites s ON s.site = b.site AND s.depth = 0 JOIN frames f ON f.id = s.frame GROUP BY b.site"""))
print("values", q("""SELECT printf('0x%x', b.address), v.kind, v.text, v.full_length FROM "values" v
    JOIN blocks b ON b.id = v.block"""))
PY
