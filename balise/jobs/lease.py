"""Leases on running tasks: a task whose worker died is found and queued again.

The database task backend marks a task RUNNING when a worker claims it and never looks
at it again: if the worker is killed (``kill -9``, out of memory, a machine that
reboots), the task stays RUNNING for good. So every ``balise db_worker`` keeps a
:class:`~.models.WorkerHeartbeat` row fresh from a thread (every quarter of the lease),
and a task is *abandoned* when it is RUNNING and the worker that claimed it last has no
heartbeat younger than the lease (``settings.BALISE_TASK_LEASE``, 60 s by default). The
same thread sweeps abandoned tasks every half lease: each is queued again (READY), and
after :data:`MAX_ATTEMPTS` claims whose workers all died it is marked FAILED rather than
kill a fourth worker (a file that exhausts memory, say).

A task may therefore run again from the start after its worker died: tasks must be
idempotent (the mailing tasks are, through :mod:`.outbox`; an import writes in one
transaction, rolled back when its worker dies). The Redis backend gets the same rule from
RQ's own registries (:mod:`.rq`).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import datetime, timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# Runs of one task whose worker died before it is given up (on both backends).
MAX_ATTEMPTS = 3
# Heartbeats of workers gone longer than this are deleted (they only serve /sante/).
FORGET_WORKERS_AFTER = timedelta(days=1)


class WorkerLost(Exception):
    """Recorded on a task given up because its workers kept dying while running it."""


def lease() -> timedelta:
    return timedelta(seconds=settings.BALISE_TASK_LEASE)


def heartbeat_interval() -> float:
    """Seconds between two heartbeats: four within a lease, so one slow write is no death."""
    return max(settings.BALISE_TASK_LEASE / 4, 0.2)


def alive_worker_ids(now: datetime | None = None) -> set[str]:
    cutoff = (now or timezone.now()) - lease()
    return set(
        WorkerHeartbeat.objects.filter(seen_at__gte=cutoff).values_list("worker_id", flat=True)
    )


def is_abandoned(task: DBTaskResult, alive: set[str]) -> bool:
    return not task.worker_ids or task.worker_ids[-1] not in alive


def abandoned_tasks(now: datetime | None = None) -> list[DBTaskResult]:
    """RUNNING tasks whose last worker has no fresh heartbeat (two queries)."""
    alive = alive_worker_ids(now)
    running = DBTaskResult.objects.running().only("id", "task_path", "worker_ids", "started_at")
    return [task for task in running if is_abandoned(task, alive)]


def recover_abandoned(*, now: datetime | None = None) -> list[DBTaskResult]:
    """Queue abandoned tasks again, or fail those that used up their attempts.

    Each task is changed by a conditional UPDATE (still RUNNING, same start), so a task
    claimed again meanwhile, or recovered by another worker's sweep, is left alone.
    Side effects: tasks set to READY or FAILED (with :class:`WorkerLost` and a French
    explanation), a warning logged for each, heartbeats of long-gone workers deleted.
    Returns the tasks changed.
    """
    now = now or timezone.now()
    changed = []
    for task in abandoned_tasks(now):
        attempts = len(task.worker_ids)
        current = DBTaskResult.objects.filter(
            pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at
        )
        if attempts >= MAX_ATTEMPTS:
            done = current.update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                return_value=None,
                exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
                traceback=(
                    f"The workers {', '.join(task.worker_ids)} stopped while running this "
                    f"task, {attempts} times: it is not run again."
                ),
            )
            verdict = "failed after %d attempts"
        else:
            done = current.update(status=TaskResultStatus.READY)
            verdict = "queued again after %d attempt(s)"
        if done:
            changed.append(task)
            logger.warning(
                "Task %s (%s) was running on worker %s, which stopped responding: " + verdict,
                task.pk,
                task.task_path,
                task.worker_ids[-1] if task.worker_ids else "?",
                attempts,
            )
    WorkerHeartbeat.objects.filter(seen_at__lt=now - FORGET_WORKERS_AFTER).delete()
    return changed


class Heartbeat:
    """A worker's heartbeat row, kept fresh by a daemon thread that also sweeps the
    abandoned tasks of every worker (so a restarted worker resumes what a dead one left).

    ``start()`` writes the row before the worker claims anything; ``stop()`` deletes it.
    A failing write (database briefly locked or gone) is logged and tried again at the
    next beat: the lease allows three missed beats.
    """

    def __init__(self, *, worker_id: str, queues: list[str]):
        self.worker_id = worker_id
        self.queues = ",".join(queues)[:255]
        self.task_id = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="balise-heartbeat", daemon=True)
        self._last_sweep = 0.0
        self.sweep_every = settings.BALISE_TASK_LEASE / 2

    def start(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "queues": self.queues,
                "started_at": now,
                "seen_at": now,
                "task_id": "",
            },
        )
        # A worker that starts resumes at once what dead ones left, before its first claim.
        self._sweep()
        self._thread.start()

    def _sweep(self) -> None:
        self._last_sweep = timezone.now().timestamp()
        recover_abandoned()

    def running(self, task_id) -> None:
        """Note the task being run (``None`` when it is over), written at the next beat."""
        self.task_id = str(task_id or "")

    def beat(self) -> None:
        WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(
            seen_at=timezone.now(), task_id=self.task_id
        )

    def _run(self) -> None:
        try:
            while True:
                try:
                    close_old_connections()
                    self.beat()
                    if timezone.now().timestamp() - self._last_sweep >= self.sweep_every:
                        self._sweep()
                except Exception:
                    logger.exception("Worker %s: heartbeat failed", self.worker_id)
                if self._stop.wait(heartbeat_interval()):
                    return
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except Exception:  # the database is gone: the row simply ages out
            logger.exception("Worker %s: cannot delete its heartbeat", self.worker_id)
