"""The state file of `mockserver serve --state PATH`: an embedded SQLite database (stdlib `sqlite3`).

It holds a write-ahead *command log*, not the models: each acknowledged operation that changed a
model (an API request, a control action, a startup, an event such as a webhook delivery, a new
scenario in force), with the clock instant it happened at and where the id counters stood before
it. Both models compute their state on read from the clock and settle deterministically, so
performing the log again on fresh models (*restoring* it), the clock moved to each instant, rebuilds
the same state without serialising heaps. Beside the log, `meta` keeps what is stored on change:
the clock's mode and offset (on every move), where the id counters stood at the last reset, and
what the file was made for (APIs, profile, cassette replayed and its speed, retention, start-only
latitude choices: mockserver.durable refuses a mock started otherwise).

One mock at a time: the file is locked (`fcntl.flock` on a `PATH.lock` beside it) from open to
close, and a second opener, in this process or another, gets a StateError.

Every write is one transaction, committed with `synchronous=FULL` before the answer it records is
sent: a `kill -9` after an answer loses nothing. A reset empties the log (what it forgets needs no
restoring); the ids stay past it. Otherwise the log grows with the operations that changed something
(reads that changed nothing are never written).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["APPLICATION_ID", "FORMAT", "Entry", "StateError", "StateFile"]

FORMAT = "asyncjobs-contract-kit mock state"
FORMAT_VERSION = 1
APPLICATION_ID = 0x4D4F434B  # "MOCK": `PRAGMA application_id` marks the file as ours


class StateError(Exception):
    """A state file that cannot be used (not SQLite, another program's, damaged, another mock's)."""

    def __init__(self, path: str | Path, reason: str) -> None:
        reason = " ".join(reason.split())  # one line, whatever SQLite or a restore said
        super().__init__(f"state file {path}: {reason}")
        self.path, self.reason = str(path), reason


@dataclass(frozen=True)
class Entry:
    """One logged operation."""

    seq: int
    at: float                      # the clock instant it happened at
    kind: str                      # request | action | startup | event | scenario
    api: str | None
    ids: Mapping[str, int]         # where the id counters stood before it (mockserver.ids)
    data: Mapping[str, Any]
    body: bytes = b""


_SCHEMA = ("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
           "CREATE TABLE log (seq INTEGER PRIMARY KEY, at REAL NOT NULL, kind TEXT NOT NULL, api TEXT,"
           " ids TEXT NOT NULL, data TEXT NOT NULL, body BLOB NOT NULL)")


def _exclusive(path: Path) -> int:
    """A descriptor of `PATH.lock` holding an exclusive `flock` (its own open file description, so
    a second opener in this process is refused too); StateError when another holds it."""
    lock_path = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StateError(path, f"cannot be opened ({exc.strerror or exc})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise StateError(path, "is in use by another mock (one mock per state file; stop it first)") from None
    return fd


class StateFile:
    """One open state file, locked for this object's life; thread-safe (the server thread writes,
    a test's thread may too)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self.closed = False
        if self.path.is_dir():
            raise StateError(path, "is a directory")
        self._lock_fd = _exclusive(self.path)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            os.close(self._lock_fd)
            raise StateError(path, f"cannot be opened ({exc})") from None
        try:
            self._open()
        except sqlite3.DatabaseError as exc:
            self._release()
            raise StateError(path, f"is not a usable SQLite database ({exc})") from None
        except StateError:
            self._release()
            raise

    def _release(self) -> None:
        self.closed = True
        self._db.close()
        os.close(self._lock_fd)  # the lock goes with its last descriptor

    def _open(self) -> None:
        db = self._db
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if app_id == 0 and not tables:  # a new (or empty) file: make it ours
            with self._transaction():
                for statement in _SCHEMA:
                    db.execute(statement)
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute("INSERT INTO meta VALUES ('format', ?), ('format_version', ?)",
                           (json.dumps(FORMAT), json.dumps(FORMAT_VERSION)))
        elif app_id != APPLICATION_ID or not {"meta", "log"} <= tables:
            raise StateError(self.path, "is another program's SQLite database, not a mock state file")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")  # each commit reaches the disk before the answer
        version = self.meta("format_version")
        if self.meta("format") != FORMAT or version != FORMAT_VERSION:
            raise StateError(self.path, f"has format version {version!r}; this mock reads {FORMAT_VERSION}")
        verdict = db.execute("PRAGMA quick_check(1)").fetchone()[0]
        if verdict != "ok":
            raise StateError(self.path, f"is damaged ({verdict})")

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction: committed whole, or rolled back if anything in it fails."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        """Close the database and let another mock open the file; a second call does nothing."""
        with self._lock:
            if not self.closed:
                self._release()

    def __enter__(self) -> StateFile:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- meta ---------------------------------------------------------------------------------
    def meta(self, key: str) -> Any:
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            return json.loads(row[0]) if row is not None else None
        except (sqlite3.DatabaseError, ValueError) as exc:
            raise StateError(self.path, f"has a damaged header ({exc})") from None

    def set_meta(self, key: str, value: Any) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value)))

    # -- the log ------------------------------------------------------------------------------
    def append(self, at: float, kind: str, api: str | None, ids: Mapping[str, int],
               data: Mapping[str, Any], body: bytes = b"", *, before: Entry | None = None) -> None:
        """Commit one entry (and `before`, an entry that must precede it, in the same transaction)."""
        rows = [(e.at, e.kind, e.api, json.dumps(dict(e.ids)), json.dumps(e.data), e.body)
                for e in ([before] if before is not None else [])]
        rows.append((at, kind, api, json.dumps(dict(ids)), json.dumps(data), body))
        with self._lock, self._transaction():
            self._db.executemany("INSERT INTO log (at, kind, api, ids, data, body) VALUES (?, ?, ?, ?, ?, ?)", rows)

    def clear_log(self, ids: Mapping[str, int]) -> None:
        """After a reset: no entry needs restoring any more; the ids handed out stay handed out."""
        with self._lock, self._transaction():
            self._db.execute("DELETE FROM log")
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('ids', ?)", (json.dumps(dict(ids)),))

    def entries(self) -> Iterator[Entry]:
        """The log in order, read as it goes (a long log is not held in memory at once)."""
        try:
            # A cursor of its own: the restore writes nothing, and meta reads use others.
            for seq, at, kind, api, ids, data, body in self._db.execute(
                    "SELECT seq, at, kind, api, ids, data, body FROM log ORDER BY seq"):
                yield Entry(seq, float(at), kind, api, json.loads(ids), json.loads(data), bytes(body))
        except (sqlite3.DatabaseError, ValueError, TypeError) as exc:
            raise StateError(self.path, f"has a damaged log ({exc})") from None

    def first_instant(self) -> float | None:
        try:
            row = self._db.execute("SELECT min(at) FROM log").fetchone()
        except sqlite3.DatabaseError as exc:
            raise StateError(self.path, f"has a damaged log ({exc})") from None
        return None if row[0] is None else float(row[0])

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM log").fetchone()[0])
