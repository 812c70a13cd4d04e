"""The health endpoint: what a monitoring probe or a load balancer relies on."""

import json
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import RequestFactory
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from balise.jobs.models import WorkerHeartbeat
from balise.lib import health
from balise.members.models import Provider
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def probe(method="get"):
    response = health.health(getattr(RequestFactory(), method)("/sante/"))
    return response, json.loads(response.content) if response.content else None


def live_worker(worker_id="w1", seconds_ago=2):
    WorkerHeartbeat.objects.create(
        worker_id=worker_id, pid=1, seen_at=timezone.now() - timedelta(seconds=seconds_ago)
    )


def test_all_good_is_200_with_every_check(settings):
    settings.TASKS = {"default": {"BACKEND": health.DB_TASK_BACKEND}}
    live_worker()
    response, body = probe()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["cache"]["status"] == "ok"
    assert body["checks"]["migrations"] == {"status": "ok", "unapplied": 0}
    assert body["checks"]["tasks"] == {
        "status": "ok",
        "backend": "database",
        "ready": 0,
        "oldest_ready_seconds": None,
        "running": 0,
        "stuck": 0,
        "failed_last_day": 0,
        "workers": 1,
        "worker_seen_seconds": 2,
    }
    assert body["checks"]["outbox"] == {"status": "ok", "uncertain": 0}
    assert "no-store" in response["Cache-Control"]


def test_the_url_serves_it_without_login(client):
    response = client.get("/sante/")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_it_says_nothing_about_offices(office, client):
    ProviderFactory(office=office, name="Camping des Sources")
    body = probe()[1]
    text = json.dumps(body)
    assert office.slug not in text and "Camping" not in text
    assert set(body) == {"status", "ms", "checks"}


def test_a_database_that_does_not_answer_is_503(monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", down)
    response, body = probe()
    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["checks"]["database"]["status"] == "error"
    assert body["checks"]["migrations"] == {"status": "skipped"}
    assert "refused" not in response.content.decode()  # the reason is logged, not shown


def test_a_pending_migration_is_503():
    MigrationRecorder.Migration.objects.filter(app="members").order_by("-id").first().delete()
    response, body = probe()
    assert response.status_code == 503
    assert body["checks"]["migrations"] == {"status": "error", "unapplied": 1}


def test_a_failing_cache_is_degraded_but_200(monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(health.cache, "set", broken)
    response, body = probe()
    assert response.status_code == 200
    assert body["status"] == "degraded"
    assert body["checks"]["cache"]["status"] == "error"


def test_the_oldest_ready_task_age(settings):
    from balise.diagnostics.tasks import send_invitations

    settings.TASKS = {"default": {"BACKEND": health.DB_TASK_BACKEND}}
    send_invitations.enqueue(1)
    send_invitations.enqueue(2)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    DBTaskResult.objects.filter(pk=DBTaskResult.objects.order_by("enqueued_at")[0].pk).update(
        enqueued_at=an_hour_ago
    )
    tasks = probe()[1]["checks"]["tasks"]
    assert tasks["ready"] == 2
    assert 3590 <= tasks["oldest_ready_seconds"] <= 3700


def test_the_immediate_backend_is_not_measured():
    # The tests' and development's backend: tasks run within the request.
    assert probe()[1]["checks"]["tasks"] == {
        "status": "ok",
        "backend": "ImmediateBackend",
        "ready": None,
    }


def test_it_is_cheap(django_assert_max_num_queries, settings):
    settings.TASKS = {"default": {"BACKEND": health.DB_TASK_BACKEND}}
    probe()  # the migration files are read once per process
    with django_assert_max_num_queries(6):
        body = probe()[1]
    assert body["ms"] < 200  # a few ms in practice; generous for a loaded test machine
    assert not Provider.objects.exists()


def test_only_safe_methods():
    assert probe("post")[0].status_code == 405
    assert probe("head")[0].status_code == 200
