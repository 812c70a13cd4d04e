"""Running real Balise processes (a task worker, gunicorn) against the test database.

Some guarantees only hold between processes: counters shared by gunicorn's workers, a
task resumed after its worker was killed. The test's data must then be visible to a child
process. On PostgreSQL the children connect to the test database itself (the test must
be transactional, so that its rows are committed). SQLite's test database lives in this
process's memory: :class:`SharedDatabase` copies it to a file for the children, and
copies the file back when they are done, so the test reads their writes through the ORM.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


class SharedDatabase:
    """``with SharedDatabase(tmp_path) as db: db.start("db_worker", ...)``."""

    def __init__(self, tmp_path: Path, **env: str):
        self.dir = tmp_path
        self.extra_env = env
        self.children: list[subprocess.Popen] = []
        self.sqlite_file = tmp_path / "shared.sqlite3" if connection.vendor == "sqlite" else None

    def url(self) -> str:
        if self.sqlite_file is not None:
            return f"sqlite:///{self.sqlite_file}"
        params = connection.settings_dict
        auth = quote(params["USER"] or "", safe="")
        if params["PASSWORD"]:
            auth += ":" + quote(params["PASSWORD"], safe="")
        host = params["HOST"] or "127.0.0.1"
        port = params["PORT"] or 5432
        return f"postgres://{auth}@{host}:{port}/{params['NAME']}"

    def share(self) -> None:
        """Make what the test wrote so far visible to the children (SQLite: copy it)."""
        if self.sqlite_file is None:
            return
        connection.ensure_connection()
        self.sqlite_file.unlink(missing_ok=True)
        target = sqlite3.connect(self.sqlite_file)
        try:
            connection.connection.backup(target)
        finally:
            target.close()

    def read_back(self) -> None:
        """Make what the children wrote visible to the test (SQLite: copy it back)."""
        if self.sqlite_file is None:
            return
        source = sqlite3.connect(self.sqlite_file)
        try:
            source.backup(connection.connection)
        finally:
            source.close()

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            **os.environ,
            "DATABASE_URL": self.url(),
            "BALISE_VAR_DIR": str(self.dir),
            "BALISE_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
            **extra,
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)  # the command sets balise.settings
        return env

    def start(self, *args: str, log: str, **env: str) -> subprocess.Popen:
        """Start ``python -m balise *args`` (or ``python -m <module>`` when the first
        argument starts with ``-m``), its output in ``<dir>/<log>.log``, in its own
        process group so that the test can kill it and its children at once."""
        command = (
            [sys.executable, *args] if args[0] == "-m" else [sys.executable, "-m", "balise", *args]
        )
        output = (self.dir / f"{log}.log").open("ab")
        child = subprocess.Popen(
            command,
            cwd=ROOT,  # so that the test-only e-mail backend under tests/ is importable
            env=self.env(**env),
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.children.append(child)
        return child

    def log(self, name: str) -> str:
        path = self.dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def __enter__(self) -> SharedDatabase:
        self.share()
        return self

    def __exit__(self, *exc_info) -> None:
        for child in self.children:
            stop(child)
        self.read_back()


def stop(child: subprocess.Popen, *, sig: int = signal.SIGTERM, timeout: float = 10) -> None:
    """Send ``sig`` to the child's whole process group and wait for the child."""
    if child.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, sig)
        try:
            child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait(timeout=timeout)


def descendants(pid: int) -> list[int]:
    """The ids of every process below ``pid`` (read from /proc: Linux only)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            children = (
                (task / "children").read_text().split() if (task / "children").exists() else []
            )
            for child in map(int, children):
                found.append(child)
                todo.append(child)
    return found


def kill_hard(child: subprocess.Popen) -> None:
    """``kill -9`` on the child and every process below it, as when a machine dies (an RQ
    work horse is in a process group of its own, so the group alone is not enough)."""
    pids = [child.pid, *descendants(child.pid)]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    child.wait(timeout=10)


def wait_for(condition, *, timeout: float, what: str, step: float = 0.05):
    """Poll ``condition()`` until it returns something true; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
