"""Running test code from several threads at once (row locks are real on PostgreSQL)."""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection


def run_together(count: int, work):
    """Run ``work(i)`` in ``count`` threads released at the same moment; results or errors."""
    barrier = threading.Barrier(count)

    def one(i):
        try:
            barrier.wait(timeout=30)
            return work(i)
        except Exception as error:
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))
