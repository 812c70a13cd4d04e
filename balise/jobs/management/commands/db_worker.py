"""``balise db_worker``: django-tasks-db's worker, with a heartbeat and the lease sweep.

This command takes the place of django-tasks-db's own (the ``balise.jobs`` app comes
first in ``INSTALLED_APPS``), with the same options: deployments keep running
``balise db_worker``. See :mod:`balise.jobs.lease`.
"""

from django_tasks_db.management.commands import db_worker

from balise.jobs.lease import Heartbeat


class Worker(db_worker.Worker):
    """Beats while it lives; notes the task it runs; deletes its heartbeat when it stops."""

    def run(self) -> None:
        self.heartbeat = Heartbeat(worker_id=self.worker_id, queues=self.queue_names)
        self.heartbeat.start()
        try:
            super().run()
        finally:
            self.heartbeat.stop()

    def run_task(self, db_task_result) -> None:
        self.heartbeat.running(db_task_result.id)
        try:
            super().run_task(db_task_result)
        finally:
            self.heartbeat.running(None)


class Command(db_worker.Command):
    help = "Run the background worker (database queue), resuming the tasks of dead workers"

    def handle(self, **options) -> None:
        # The library's handle() parses the options and builds its module's Worker: for
        # the time of this command, that is ours.
        library_worker, db_worker.Worker = db_worker.Worker, Worker
        try:
            super().handle(**options)
        finally:
            db_worker.Worker = library_worker
