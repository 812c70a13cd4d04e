"""Leases: a task left RUNNING by a dead worker is found and queued again, or given up."""

from datetime import timedelta

import pytest
from django.core.management import get_commands
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from balise.diagnostics.tasks import send_reminders
from balise.jobs import lease
from balise.jobs.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimed(database_queue):
    """A task claimed by worker "w1", as `balise db_worker` does before running it."""

    def claim(*worker_ids: str) -> DBTaskResult:
        send_reminders.enqueue(1)
        task = DBTaskResult.objects.order_by("-enqueued_at").first()
        for worker_id in worker_ids:
            task.claim(worker_id)
        return task

    return claim


def beat(worker_id: str, *, ago: float = 0) -> None:
    seen = timezone.now() - timedelta(seconds=ago)
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"pid": 1, "seen_at": seen}
    )


def status(task: DBTaskResult) -> str:
    task.refresh_from_db()
    return task.status


def test_the_worker_command_is_ours():
    assert get_commands()["db_worker"] == "balise.jobs"


def test_a_task_of_a_live_worker_is_left_alone(claimed, settings):
    task = claimed("w1")
    beat("w1", ago=settings.BALISE_TASK_LEASE - 5)
    assert lease.recover_abandoned() == []
    assert status(task) == TaskResultStatus.RUNNING


@pytest.mark.parametrize("heartbeat", ["stale", "missing"])
def test_a_task_of_a_dead_worker_is_queued_again(claimed, settings, heartbeat, caplog):
    task = claimed("w1")
    if heartbeat == "stale":
        beat("w1", ago=settings.BALISE_TASK_LEASE + 1)
    assert [t.pk for t in lease.recover_abandoned()] == [task.pk]
    assert status(task) == TaskResultStatus.READY
    assert DBTaskResult.objects.ready().get() == task  # a worker picks it up again
    assert "stopped responding: queued again after 1 attempt(s)" in caplog.text


def test_after_three_dead_workers_the_task_is_given_up(claimed):
    task = claimed("w1", "w2", "w3")
    lease.recover_abandoned()
    assert status(task) == TaskResultStatus.FAILED
    result = task.task_result
    assert result.errors[0].exception_class_path == "balise.jobs.lease.WorkerLost"
    assert "w1, w2, w3 stopped while running this task, 3 times" in result.errors[0].traceback


def test_a_task_claimed_again_meanwhile_is_not_touched(claimed, monkeypatch):
    task = claimed("w1")
    seen = lease.abandoned_tasks()
    DBTaskResult.objects.filter(pk=task.pk).update(started_at=timezone.now() + timedelta(1))
    monkeypatch.setattr(lease, "abandoned_tasks", lambda now=None: seen)
    assert lease.recover_abandoned() == []
    assert status(task) == TaskResultStatus.RUNNING


def test_heartbeats_of_long_gone_workers_are_forgotten():
    beat("gone", ago=lease.FORGET_WORKERS_AFTER.total_seconds() + 1)
    beat("recent", ago=120)
    lease.recover_abandoned()
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["recent"]


def test_a_heartbeat_lives_from_start_to_stop(settings):
    settings.BALISE_TASK_LEASE = 60  # a beat every 15 s: only the first one runs here
    heartbeat = lease.Heartbeat(worker_id="w9", queues=["default"])
    heartbeat.start()
    try:
        row = WorkerHeartbeat.objects.get(worker_id="w9")
        assert row.queues == "default" and row.seen_at <= timezone.now()
        heartbeat.running("1234")
        heartbeat.beat()
        assert WorkerHeartbeat.objects.get(worker_id="w9").task_id == "1234"
    finally:
        heartbeat.stop()
    assert not WorkerHeartbeat.objects.exists()
