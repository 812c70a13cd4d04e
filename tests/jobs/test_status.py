"""/sante/ sees what goes wrong with the background work: no worker, stuck and failed
tasks, e-mails whose fate is unknown, on the database queue and on Redis."""

import json
from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from balise.diagnostics.tasks import send_reminders
from balise.jobs import outbox
from balise.jobs.models import WorkerHeartbeat
from balise.lib import health

pytestmark = pytest.mark.django_db


def probe():
    response = health.health(RequestFactory().get("/sante/"))
    return response.status_code, json.loads(response.content)


def beat(worker_id, *, ago=1):
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, pid=1, seen_at=timezone.now() - timedelta(seconds=ago)
    )


class TestDatabaseQueue:
    def test_no_worker_seen_within_the_lease(self, database_queue, settings):
        beat("w1", ago=settings.BALISE_TASK_LEASE + 30)
        code, body = probe()
        tasks = body["checks"]["tasks"]
        assert (code, body["status"]) == (200, "degraded")
        assert (tasks["status"], tasks["problems"]) == ("degraded", ["no_worker"])
        assert (tasks["workers"], tasks["worker_seen_seconds"]) == (
            0,
            settings.BALISE_TASK_LEASE + 30,
        )

    def test_a_task_left_running_by_a_dead_worker_is_stuck(self, database_queue):
        beat("alive")
        send_reminders.enqueue(1)
        DBTaskResult.objects.get().claim("dead")
        tasks = probe()[1]["checks"]["tasks"]
        assert (tasks["running"], tasks["stuck"], tasks["problems"]) == (1, 1, ["stuck"])

    def test_a_task_of_a_live_worker_is_only_running(self, database_queue):
        beat("alive")
        send_reminders.enqueue(1)
        DBTaskResult.objects.get().claim("alive")
        tasks = probe()[1]["checks"]["tasks"]
        assert (tasks["status"], tasks["running"], tasks["stuck"]) == ("ok", 1, 0)

    def test_failed_tasks_are_reported_for_a_day(self, database_queue):
        beat("alive")
        send_reminders.enqueue(1)
        send_reminders.enqueue(2)
        first, second = DBTaskResult.objects.order_by("enqueued_at")
        first.set_failed(RuntimeError("SMTP down"))
        second.set_failed(RuntimeError("SMTP down"))
        DBTaskResult.objects.filter(pk=first.pk).update(
            finished_at=timezone.now() - timedelta(days=1, minutes=1)
        )
        tasks = probe()[1]["checks"]["tasks"]
        assert (tasks["failed_last_day"], tasks["problems"]) == (1, ["failed"])
        assert DBTaskResult.objects.filter(status=TaskResultStatus.FAILED).count() == 2


class TestRedisQueue:
    def test_queued_jobs_and_no_worker(self, redis_queue):
        send_reminders.enqueue(1)
        tasks = probe()[1]["checks"]["tasks"]
        assert tasks["backend"] == "redis"
        assert (tasks["ready"], tasks["running"], tasks["stuck"]) == (1, 0, 0)
        assert tasks["oldest_ready_seconds"] is not None
        assert (tasks["workers"], tasks["problems"]) == (0, ["no_worker"])

    def test_a_job_past_its_heartbeat_deadline_is_stuck(self, redis_queue):
        from rq.registry import StartedJobRegistry

        registry = StartedJobRegistry(queue=redis_queue)
        redis_queue.connection.zadd(registry.key, {"job-of-a-dead-worker:execution": 1})
        tasks = probe()[1]["checks"]["tasks"]
        assert (tasks["running"], tasks["stuck"]) == (1, 1)
        assert "stuck" in tasks["problems"]

    def test_redis_down_is_degraded(self, redis_queue, settings):
        settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0"}}
        code, body = probe()
        assert (code, body["status"], body["checks"]["tasks"]["status"]) == (
            200,
            "degraded",
            "error",
        )


def test_an_uncertain_e_mail_is_reported(office):
    claim = outbox.claim(kind="diagnostics.invitation", object_id=7, office_id=office.pk)
    assert probe()[1]["checks"]["outbox"] == {"status": "ok", "uncertain": 0}  # in flight
    claim.claimed_at = timezone.now() - outbox.UNCERTAIN_AFTER - timedelta(seconds=1)
    claim.save()
    code, body = probe()
    assert (code, body["status"]) == (200, "degraded")
    assert body["checks"]["outbox"] == {
        "status": "degraded",
        "uncertain": 1,
        "problems": ["uncertain"],
    }
