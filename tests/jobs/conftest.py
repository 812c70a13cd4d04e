"""Fixtures of the background-work tests: the database queue, or RQ on its own Redis db."""

import os

import pytest
from django.conf import settings as django_settings

from balise.lib.health import DB_TASK_BACKEND, RQ_TASK_BACKEND


def redis_url() -> str:
    """A Redis database of these tests alone (10 to 15, one per xdist process), so that
    emptying it never touches the development queue (db 0) or another test process."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return f"redis://127.0.0.1:6379/{10 + int(worker.removeprefix('gw') or 0) % 6}"


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": DB_TASK_BACKEND}}


@pytest.fixture
def redis_queue(settings):
    """The RQ backend on a Redis database emptied before and after the test."""
    import django_rq

    url = redis_url()
    settings.TASKS = {"default": {"BACKEND": RQ_TASK_BACKEND}}
    settings.RQ_QUEUES = {"default": {**django_settings.RQ_QUEUES["default"], "URL": url}}
    queue = django_rq.get_queue("default")
    try:
        queue.connection.ping()
    except Exception as error:  # pragma: no cover - Redis is started by .ci/run
        pytest.fail(f"Redis is not running on 127.0.0.1:6379: {error}")
    queue.connection.flushdb()
    yield queue
    queue.connection.flushdb()
