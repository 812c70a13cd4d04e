"""Background jobs of the audit (Tasks API): thin, they take ids and call a service.

Auditing every member's site takes minutes: the page queues the run and polls its
progress while a worker fetches the sites.
"""

from django_tasks import task

from . import services


@task()
def run_audit(run_id: int, provider_ids: list[int] | None = None) -> int:
    """Audit the run's sites; returns how many were audited (0 if the run is gone or done)."""
    run = services.run_audit(run_id, provider_ids)
    return run.done if run is not None else 0


@task()
def run_due_schedules() -> int:
    """Queue a run for every office whose monthly audit is due; returns how many."""
    return len(services.run_due_schedules())
