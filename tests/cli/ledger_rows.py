# SPDX-License-Identifier: Apache-2.0
# The ledger's rows (docs/ledger.md, format 3) as a table of one row per entry,
# TEMP TABLE e(seq, entry, hash, nodes), for tests to query or damage by SQL.
# usage: ledger_rows.py DB query SQL   prints each result row, columns joined by |
#        ledger_rows.py DB edit SQL    runs SQL on e, then packs e back into the rows
import sqlite3
import struct
import sys

ROW = 8
path, mode, sql = sys.argv[1:4]
db = sqlite3.connect(path)
db.text_factory = bytes  # `||` makes text of the blobs it joins
db.execute("CREATE TEMP TABLE e(seq INTEGER PRIMARY KEY, entry BLOB, hash BLOB, nodes BLOB)")
for first, data in db.execute("SELECT first, data FROM ledger ORDER BY first").fetchall():
    off, seq = 0, first
    while off < len(data):
        n, = struct.unpack_from(">I", data, off)
        entry = data[off + 4:off + 4 + n]
        off += 4 + n
        h, k = data[off:off + 32], data[off + 32]
        nodes = data[off + 33:off + 33 + 32 * k]
        off += 33 + 32 * k
        db.execute("INSERT INTO e VALUES(?, ?, ?, ?)", (seq, entry, h, nodes))
        seq += 1
if mode == "query":
    for r in db.execute(sql):
        print("|".join(x.decode() if isinstance(x, bytes) else str(x) for x in r))
    sys.exit(0)
db.executescript(sql)
rows = {}
for seq, entry, h, nodes in db.execute("SELECT seq, entry, hash, nodes FROM e ORDER BY seq"):
    r = rows.setdefault((seq - 1) // ROW * ROW + 1 if seq > 0 else seq, [b"", 0])
    r[0] += struct.pack(">I", len(entry)) + entry + h + bytes([len(nodes) // 32]) + nodes
    r[1] = seq
db.execute("DELETE FROM ledger")
db.executemany("INSERT INTO ledger(first, last, data) VALUES(?, ?, ?)", [(f, r[1], r[0]) for f, r in rows.items()])
db.commit()
