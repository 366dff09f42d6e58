# Every ```sql block of docs/query.md runs, through python3's sqlite3, on an export of the small
# test heap (exported twice, for the query that ATTACHes before.db): its addresses replaced by the
# heap's cache dict (0x2000), its type names by the heap's. Prints each query's first line and its
# row count; a query that fails prints the error.
"$MKSNAP" small s.hsnap && "$HEAPSNAP" export --sqlite after.db s.hsnap && "$HEAPSNAP" export --sqlite before.db s.hsnap &&
/usr/bin/python3 - "$(dirname "$0")/../../../docs/query.md" <<'PY'
import re, sqlite3, sys
doc = open(sys.argv[1]).read()
blocks = re.findall(r"```sql\n(.*?)```", doc, re.S)
db = sqlite3.connect("after.db")
print(len(blocks), "queries")
for sql in blocks:
    sql = re.sub(r"0x7f[0-9a-f]+", "0x2000", sql).replace("__main__.Session", "app.models.Thing")
    first = sql.strip().splitlines()[0]
    try:
        rows = []
        for stmt in [x for x in sql.split(";") if x.strip()]:
            rows = db.execute(stmt).fetchall()
        print(f"{first[:70]}: {len(rows)} rows")
    except sqlite3.Error as e:
        print(f"{first[:70]}: ERROR {e}")
PY
