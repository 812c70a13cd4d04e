"""The Redis (RQ) task backend: what spreads audit workers over several machines.

Production sets BALISE_TASKS_BACKEND=django_tasks_rq.RQBackend and runs
`balise rqworker default` on each machine. Here the job goes through the real Redis of
this machine (127.0.0.1:6379) and a burst worker runs it in this process.
"""

import pytest
from django.utils import timezone

from balise.audits import services
from balise.audits.models import RunStatus, SiteAudit
from tests.factories import ProviderFactory


@pytest.fixture
def rq_backend(settings):
    django_rq = pytest.importorskip("django_rq")
    queue = django_rq.get_queue("default")
    try:
        queue.connection.ping()
    except Exception as error:  # pragma: no cover - Redis is started by .ci/run
        pytest.fail(f"Redis is not running on 127.0.0.1:6379: {error}")
    queue.empty()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend"}}
    yield queue
    queue.empty()


@pytest.mark.django_db
def test_an_audit_run_goes_through_redis_and_a_worker(
    rq_backend, office, django_capture_on_commit_callbacks
):
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    # .invalid never resolves: the run is fast and needs no network.
    ProviderFactory(office=office, website="https://gite-des-cigales.invalid/")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_run(office=office)
    assert rq_backend.count == 1, "the run is queued in Redis, not run in the web process"
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED

    # What `balise rqworker default` does on each worker machine (RQ["JOB_CLASS"]).
    SimpleWorker([rq_backend], connection=rq_backend.connection, job_class=Job).work(burst=True)

    run.refresh_from_db()
    assert (run.status, run.done, run.total) == (RunStatus.DONE, 1, 1)
    audit = SiteAudit.objects.get(run=run)
    assert not audit.reachable
    assert audit.fetched_at <= timezone.now()
