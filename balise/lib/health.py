"""The health endpoint for monitoring (``/sante/``): no authentication, no office data.

``GET /sante/`` answers JSON::

    {"status": "ok", "ms": 4.1,
     "checks": {"database": {"status": "ok", "ms": 0.3},
                "cache": {"status": "ok", "ms": 0.1},
                "tasks": {"status": "ok", "backend": "database", "ready": 0,
                          "oldest_ready_seconds": null, "running": 1, "stuck": 0,
                          "failed_last_day": 0, "workers": 1, "worker_seen_seconds": 3},
                "outbox": {"status": "ok", "uncertain": 0},
                "migrations": {"status": "ok", "unapplied": 0}}}

- HTTP 503 and ``"status": "error"`` when the database does not answer or migrations are
  not applied (the code is newer than the schema: run ``balise migrate``): the instance
  cannot serve pages, a load balancer should take it out;
- HTTP 200 and ``"status": "degraded"`` when pages work but something needs an operator:
  the cache fails (pages still work, slower, and sessions are in the database), or the
  background work has a problem (``"problems"`` in its check says which):
- ``tasks`` (database or Redis queue, see :mod:`balise.jobs.status`): ``no_worker`` when
  no worker sent a heartbeat within the lease (``BALISE_TASK_LEASE``), ``stuck`` when a
  task is still marked running by a dead worker (a live worker resumes it within half a
  lease), ``failed`` when a task failed in the last day; ``ready`` and
  ``oldest_ready_seconds`` say how far behind the queue is. Other backends (the
  immediate one of tests and development): not measured;
- ``outbox``: ``uncertain`` e-mails, whose sending started but whose outcome was never
  recorded (see :mod:`balise.jobs.outbox`).

Cheap: six small queries (``SELECT 1``, one aggregate on the tasks, the heartbeats, the
running tasks, the outbox, the applied migrations), or a few Redis calls for the Redis
queue, and one cache round trip; the migration files are read once per process. Errors
are logged, never shown: the answer says which check failed, not why.
"""

from __future__ import annotations

import functools
import logging
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from balise.jobs import status as jobs_status

logger = logging.getLogger(__name__)

DB_TASK_BACKEND = "django_tasks_db.DatabaseBackend"
RQ_TASK_BACKEND = "django_tasks_rq.RQBackend"


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def check_database(alias: str = DEFAULT_DB_ALIAS) -> dict:
    start = time.perf_counter()
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check: the database does not answer")
        return {"status": "error", "ms": _ms(start)}
    return {"status": "ok", "ms": _ms(start)}


def check_cache() -> dict:
    start = time.perf_counter()
    key, value = "balise:health", secrets.token_hex(8)
    try:
        cache.set(key, value, 30)
        ok = cache.get(key) == value
    except Exception:
        logger.exception("Health check: the cache fails")
        ok = False
    return {"status": "ok" if ok else "error", "ms": _ms(start)}


def check_tasks() -> dict:
    """The task queue of the configured backend (see :mod:`balise.jobs.status`)."""
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    readers = {
        DB_TASK_BACKEND: jobs_status.database_queue,
        RQ_TASK_BACKEND: jobs_status.redis_queue,
    }
    if backend not in readers:  # the immediate backend of tests and development
        return {"status": "ok", "backend": backend.rsplit(".", 1)[-1], "ready": None}
    try:
        return readers[backend]()
    except Exception:
        logger.exception("Health check: cannot read the task queue")
        return {"status": "error", "backend": backend.rsplit(".", 1)[-1], "ready": None}


def check_outbox() -> dict:
    try:
        return jobs_status.outbox()
    except Exception:
        logger.exception("Health check: cannot read the outbox")
        return {"status": "error", "uncertain": None}


@functools.cache
def migration_files() -> tuple[tuple[str, str, tuple], ...]:
    """(app, name, replaced migrations) of every migration on disk; read once per process
    (the files only change with a new release, which restarts the server)."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    return tuple(
        (app, name, tuple(migration.replaces or ()))
        for (app, name), migration in loader.disk_migrations.items()
        if app in loader.migrated_apps
    )


def unapplied_migrations(alias: str = DEFAULT_DB_ALIAS) -> int:
    """How many migrations on disk the database has not applied (one query). A squashed
    migration counts as applied when it, or every migration it replaces, is recorded."""
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connections[alias])
    applied = set(recorder.migration_qs.values_list("app", "name"))
    replaced = {tuple(old) for _app, _name, replaces in migration_files() for old in replaces}
    missing = 0
    for app, name, replaces in migration_files():
        if (app, name) in applied or (app, name) in replaced:
            continue
        if replaces and all(tuple(old) in applied for old in replaces):
            continue
        missing += 1
    return missing


def check_migrations() -> dict:
    try:
        unapplied = unapplied_migrations()
    except Exception:
        logger.exception("Health check: cannot read the applied migrations")
        return {"status": "error", "unapplied": None}
    return {"status": "ok" if unapplied == 0 else "error", "unapplied": unapplied}


def run_checks() -> tuple[str, dict]:
    """The overall status ("ok", "degraded", "error") and each check's result."""
    checks = {"database": check_database(), "cache": check_cache()}
    if checks["database"]["status"] == "ok":
        checks["tasks"] = check_tasks()
        checks["outbox"] = check_outbox()
        checks["migrations"] = check_migrations()
    else:
        for name in ("tasks", "outbox", "migrations"):
            checks[name] = {"status": "skipped"}
    if checks["database"]["status"] != "ok" or checks["migrations"]["status"] != "ok":
        status = "error"
    elif any(check["status"] != "ok" for check in checks.values()):
        status = "degraded"
    else:
        status = "ok"
    return status, checks


@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """200 when Balise can serve pages, 503 when the database is down or migrations are
    pending (a load balancer should then take the instance out)."""
    start = time.perf_counter()
    status, checks = run_checks()
    return JsonResponse(
        {"status": status, "ms": _ms(start), "checks": checks},
        status=503 if status == "error" else 200,
    )
