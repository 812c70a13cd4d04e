"""The state of the background work, for ``/sante/`` (``balise.lib.health``).

Read only, a handful of small queries or Redis calls; nothing here changes a task (the
workers resume abandoned tasks themselves, see :mod:`.lease`). Each function returns the
JSON of its check: ``"status"`` is ``"ok"``, ``"degraded"`` (and ``"problems"`` says
which) or ``"error"`` when the state cannot be read.
"""

from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.db.models import Case, Count, F, Min, Q, When
from django.utils import timezone

from . import lease
from .models import OutboxMessage, WorkerHeartbeat
from .outbox import UNCERTAIN_AFTER

# Failed tasks are reported for a day after their failure.
FAILED_WINDOW = timedelta(days=1)


def _seconds(delta: timedelta | None) -> int | None:
    return None if delta is None else max(0, round(delta.total_seconds()))


def _verdict(result: dict, problems: list[str]) -> dict:
    result["status"] = "degraded" if problems else "ok"
    if problems:
        result["problems"] = problems
    return result


def _problems(*, stuck: int, failed: int, workers: int) -> list[str]:
    problems = []
    if workers == 0:
        problems.append("no_worker")
    if stuck:
        problems.append("stuck")
    if failed:
        problems.append("failed")
    return problems


def database_queue() -> dict:
    """The database queue: tasks ready and how long the oldest has waited, tasks running,
    *stuck* ones (running on a worker with no heartbeat for a lease: a live worker
    resumes them within half a lease), tasks failed in the last day, live workers and the
    age of the latest heartbeat. Three queries."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = timezone.now()
    ready = Q(status=TaskResultStatus.READY) & (Q(run_after=get_date_max()) | Q(run_after__lte=now))
    failed = Q(status=TaskResultStatus.FAILED)
    row = (
        DBTaskResult.objects.filter(ready | failed & Q(finished_at__gte=now - FAILED_WINDOW))
        .order_by()
        .annotate(
            waiting_since=Case(
                When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after")
            )
        )
        .aggregate(
            ready=Count("id", filter=ready),
            oldest=Min("waiting_since", filter=ready),
            failed=Count("id", filter=failed),
        )
    )
    beats = list(WorkerHeartbeat.objects.values_list("worker_id", "seen_at"))
    alive = {worker for worker, seen in beats if seen >= now - lease.lease()}
    latest = max((seen for _worker, seen in beats), default=None)
    running = list(DBTaskResult.objects.running().values_list("worker_ids", flat=True))
    stuck = sum(1 for ids in running if not ids or ids[-1] not in alive)
    result = {
        "backend": "database",
        "ready": row["ready"],
        "oldest_ready_seconds": _seconds(now - row["oldest"] if row["oldest"] else None),
        "running": len(running),
        "stuck": stuck,
        "failed_last_day": row["failed"],
        "workers": len(alive),
        "worker_seen_seconds": _seconds(now - latest if latest else None),
    }
    return _verdict(result, _problems(stuck=stuck, failed=row["failed"], workers=len(alive)))


def redis_queue() -> dict:
    """The Redis queues, from RQ's own registries (without their cleanup, which is the
    workers' job): jobs queued and the oldest one's wait, jobs running, *stuck* ones (past
    their heartbeat deadline, not yet taken back by a worker's maintenance), jobs failed
    in the last day (the failed registry keeps a job a year: its score is the failure
    time plus that year), live workers and the age of the latest heartbeat."""
    import django_rq
    from rq.defaults import DEFAULT_FAILURE_TTL
    from rq.registry import FailedJobRegistry, StartedJobRegistry
    from rq.worker import Worker

    now = time.time()
    ready = running = stuck = failed = 0
    oldest, workers = None, {}
    for name in settings.RQ_QUEUES:
        queue = django_rq.get_queue(name)
        connection = queue.connection
        ready += queue.count
        first = queue.get_jobs(0, 1)  # the next to run, the oldest but for urgent ones
        if first and first[0].enqueued_at:
            waited = now - first[0].enqueued_at.timestamp()
            oldest = waited if oldest is None else max(oldest, waited)
        started = StartedJobRegistry(queue=queue)
        running += connection.zcard(started.key)
        stuck += connection.zcount(started.key, 0, now)
        failed_since = now - FAILED_WINDOW.total_seconds() + DEFAULT_FAILURE_TTL
        failed += connection.zcount(FailedJobRegistry(queue=queue).key, failed_since, "+inf")
        for worker in Worker.all(queue=queue):
            workers[worker.name] = worker.last_heartbeat
    seen = [beat.timestamp() for beat in workers.values() if beat is not None]
    alive = [beat for beat in seen if beat >= now - lease.lease().total_seconds()]
    result = {
        "backend": "redis",
        "ready": ready,
        "oldest_ready_seconds": None if oldest is None else max(0, round(oldest)),
        "running": running,
        "stuck": stuck,
        "failed_last_day": failed,
        "workers": len(alive),
        "worker_seen_seconds": max(0, round(now - max(seen))) if seen else None,
    }
    return _verdict(result, _problems(stuck=stuck, failed=failed, workers=len(alive)))


def outbox() -> dict:
    """E-mails whose sending started more than ``UNCERTAIN_AFTER`` ago and whose outcome
    was never recorded (the process died while sending): one query."""
    cutoff = timezone.now() - UNCERTAIN_AFTER
    uncertain = OutboxMessage.objects.filter(claimed_at__lt=cutoff).count()
    return _verdict({"uncertain": uncertain}, ["uncertain"] if uncertain else [])
