"""The Redis backend's side of the lease: RQ's registries, with our lease and attempts.

RQ already keeps what the database backend lacks: a running job sits in the queue's
StartedJobRegistry with a heartbeat deadline that its worker pushes back while it lives,
and a worker's maintenance (``StartedJobRegistry.cleanup``) treats a job past its deadline
as abandoned: it is queued again while it has retries left, otherwise moved to the
FailedJobRegistry (``AbandonedJobError``). A work horse killed under a living worker
(out of memory) goes through the same retry rule. This module sets, through ``settings.RQ``
(``WORKER_CLASS``, ``JOB_CLASS``):

- the lease: heartbeats every quarter of ``settings.BALISE_TASK_LEASE``, a deadline one
  lease ahead, and maintenance every lease (RQ's defaults: 90 s and ten minutes);
- the attempts: a job gets ``lease.MAX_ATTEMPTS - 1`` retries when it first starts, kept
  for deaths only: a task that raises fails at once, as on the database backend.
"""

from __future__ import annotations

from django_tasks_rq.backend import Job as TasksJob
from rq.worker import Worker as RQWorker

from . import lease


class Job(TasksJob):
    def _execute(self):
        try:
            return super()._execute()
        except BaseException:
            # The task itself failed (or timed out): no retry, only a dead worker gets one.
            self.retries_left = 0
            raise


class Worker(RQWorker):
    def __init__(self, *args, **kwargs):
        seconds = lease.lease().total_seconds()
        # RQ arms signal.alarm() with the monitoring interval: whole seconds, at least one.
        kwargs.setdefault("job_monitoring_interval", max(1, int(lease.heartbeat_interval())))
        kwargs.setdefault("maintenance_interval", max(1, int(seconds)))
        # An idle worker wakes up (and may run the maintenance) every worker_ttl - 15 s.
        kwargs.setdefault("worker_ttl", int(seconds) + 15)
        super().__init__(*args, **kwargs)

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
        """A running job's deadline: one lease after each heartbeat, never past its timeout."""
        ttl = int(lease.lease().total_seconds())
        if job.timeout and job.timeout > 0:
            ttl = min(ttl, max(1, int(job.timeout - working_time)) + self.job_monitoring_interval)
        return max(ttl, self.job_monitoring_interval + 1)

    def prepare_execution(self, job):
        """Runs in the worker (before the work horse is forked): give a new job its retries,
        so that both the horse's death and the worker's are retried."""
        if job.retries_left is None:
            job.retries_left = lease.MAX_ATTEMPTS - 1
            self.connection.hset(job.key, "retries_left", job.retries_left)
        return super().prepare_execution(job)
