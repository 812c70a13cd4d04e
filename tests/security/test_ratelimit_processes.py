"""The login's rate limit holds across gunicorn processes without Redis.

Each gunicorn process has its own local-memory cache: counters kept there let every
process grant the whole budget (86 of 100 sprayed logins went through three processes
against a limit of 30 a minute). The counters are in the database when REDIS_URL is
unset; this test sprays a real gunicorn with three processes.
"""

import re
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx
import pytest

from ..subprocesses import SharedDatabase, free_port, wait_for

LOGIN_RATE = 30  # a minute, per address (balise/offices/account_urls.py)
SPRAYED = 60


def csrf(client: httpx.Client, url: str) -> str:
    page = client.get(url).text
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


@pytest.mark.django_db(transaction=True)
def test_sprayed_logins_share_one_budget_across_gunicorn_processes(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    access_log = tmp_path / "access.log"
    with SharedDatabase(tmp_path, REDIS_URL="") as db:
        server = db.start(
            "-m",
            "gunicorn",
            "--workers=3",
            "--preload",  # one import for the three processes
            "--timeout=120",  # the first request loads every view: slow on a busy machine
            "--no-control-socket",
            f"--bind=127.0.0.1:{port}",
            f"--access-logfile={access_log}",
            "--access-logformat=%(p)s %(m)s %(s)s %(t)s",
            "balise.wsgi",
            log="gunicorn",
        )

        def up():
            assert server.poll() is None, db.log("gunicorn")
            try:
                return httpx.get(f"{base}/sante/", timeout=60).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(up, timeout=120, what="gunicorn to answer")
        login = f"{base}/compte/connexion/"
        with httpx.Client(timeout=120) as client:
            token = csrf(client, login)
            cookies = dict(client.cookies)
        with ThreadPoolExecutor(max_workers=9) as pool:
            # Warm every process up (the first request loads the views; GETs are free).
            list(pool.map(lambda _n: httpx.get(login, timeout=120), range(9)))

            def attempt(n: int) -> int:
                headers = {"Referer": login}
                with httpx.Client(cookies=cookies, headers=headers, timeout=120) as sprayer:
                    data = {
                        "csrfmiddlewaretoken": token,
                        "username": f"victime{n}@example.org",
                        "password": "Motdepasse123!",
                    }
                    return sprayer.post(login, data=data).status_code

            # gunicorn logs a request when it answers, the limiter counts it when it
            # arrives: start the spray early in a minute so that both see the same one.
            second = datetime.now().second
            if second > 20:
                time.sleep(61 - second)
            statuses = list(pool.map(attempt, range(SPRAYED)))

    # Each line: process id, method, status, time; the limit counts per minute.
    allowed, refused, pids = Counter(), Counter(), set()
    for line in access_log.read_text().splitlines():
        pid, method, status, when = line.split(" ", 3)
        if method != "POST":
            continue
        pids.add(pid)
        minute = datetime.strptime(when, "[%d/%b/%Y:%H:%M:%S %z]").replace(second=0)
        (allowed if status == "200" else refused)[minute] += 1
    assert len(pids) >= 2, "the spray reached one process only"
    assert set(statuses) == {200, 429}  # the form again ("wrong password"), or refused
    assert sum(allowed.values()) + sum(refused.values()) == SPRAYED
    assert refused, "nothing was refused"
    for minute in refused:  # the budget of that minute was used up, by all processes at once
        assert allowed[minute] == LOGIN_RATE, (allowed, refused)
    assert all(count <= LOGIN_RATE for count in allowed.values()), allowed
