"""Background jobs of the directory (Tasks API): thin, they take ids and call a service.

Reading a big import file and writing any confirmed import take longer than a request
may: the wizard queues them and shows their progress.
"""

from django_tasks import task

from . import import_batches


@task()
def run_import(batch_id: int) -> str:
    """Read (for the preview) or write (once confirmed) an import; returns its status."""
    return import_batches.run(batch_id)
