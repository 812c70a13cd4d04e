"""The same kill on the Redis queue: RQ's registries take the job back after the lease."""

import pytest

from .conftest import redis_url
from .test_worker_kill import campaign, kill_mid_run_then_resume  # noqa: F401


@pytest.mark.django_db(transaction=True)
def test_a_killed_redis_worker_is_resumed(tmp_path, campaign, redis_queue):  # noqa: F811
    from rq.job import Job, JobStatus

    job_id = kill_mid_run_then_resume(
        tmp_path,
        campaign,
        worker=["rqworker", "default"],
        resume=["rqworker", "default", "--burst"],
        BALISE_TASKS_BACKEND="django_tasks_rq.RQBackend",
        REDIS_URL=redis_url(),
    )
    job = Job.fetch(job_id, connection=redis_queue.connection)
    assert job.get_status() == JobStatus.FINISHED
    assert job.retries_left == 1  # one of its two retries went to the killed worker
