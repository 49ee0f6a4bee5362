#!/usr/bin/env python3
"""Which tables and indexes each commit writes: the frames in an SQLite WAL, grouped by commit
and named by the b-tree their page belongs to.

    Scripts/bench/walpages.py DATA_DIR      (a copy is read; the store itself is not touched)

Take the copy while pocd runs under load (`cp events.sqlite-wal` before `events.sqlite`, or stop
pocd with kill -9 so that it does not checkpoint on the way out): the WAL holds the commits
since the last checkpoint. Prints the frames (4 KiB pages) per commit, and for each b-tree the
pages it wrote per commit. Used for docs/performance.md ("Third round").
"""
import collections
import os
import shutil
import sqlite3
import struct
import sys
import tempfile

if len(sys.argv) != 2:
    sys.exit(__doc__)
source = sys.argv[1]
with tempfile.TemporaryDirectory() as tmp:
    db_path = os.path.join(tmp, "events.sqlite")
    shutil.copy(os.path.join(source, "events.sqlite-wal"), db_path + "-wal")
    shutil.copy(os.path.join(source, "events.sqlite"), db_path)
    wal = open(db_path + "-wal", "rb").read()
    if len(wal) < 32:
        sys.exit("the WAL is empty: nothing committed since the last checkpoint")
    _magic, _version, page_size, _seq, salt1, salt2, _c1, _c2 = struct.unpack(">8I", wal[:32])
    commits, current, offset = [], [], 32
    while offset + 24 + page_size <= len(wal):
        page, db_size, s1, s2 = struct.unpack(">4I", wal[offset:offset + 16])
        if (s1, s2) != (salt1, salt2):
            break  # a frame of an earlier generation of the WAL: the valid part ends here
        current.append(page)
        if db_size:  # a commit frame closes its transaction
            commits.append(current)
            current = []
        offset += 24 + page_size
    if not commits:
        sys.exit("no complete commit in the WAL")
    db = sqlite3.connect(db_path)  # opening it replays the WAL copy into this copy
    owner = {page: name for name, page in db.execute("SELECT name, pageno FROM dbstat")}
    owner[1] = owner.get(1, "sqlite_schema") + " (page 1: the file header)"
    counts = collections.Counter(owner.get(page, "(free)") for c in commits for page in c)
    frames = sum(len(c) for c in commits)
    print(f"{len(commits)} commits, {frames} frames of {page_size} bytes: {frames / len(commits):.1f} per commit")
    for name, n in counts.most_common():
        print(f"  {name:48} {n / len(commits):5.2f} per commit")
