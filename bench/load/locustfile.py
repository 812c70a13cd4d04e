"""Locust: respondents answering the digital diagnostic through their personal link.

Each simulated user takes a personal link from ``LOAD_TOKENS`` (one token a line) and does
what a respondent's browser does: the welcome page, each section page (GET, then POST with
an answer to every question shown, the browser at once following the redirect to the next
page, or to the same page when an answer opens follow-up questions), the recap,
"Terminer", the results. Reading and answering a page takes ``LOAD_WAIT_MIN`` to
``LOAD_WAIT_MAX`` seconds (default 10-30 s; Balise itself counts 15 s a question, so 75 s
or more for a page: the test is several times faster than people are). A user who
finishes takes the next link; each link is answered once. When the run time is over no
respondent starts, and those under way go on to the end (``--stop-timeout``).

Redirects are not followed automatically, so each request is timed on its own, and a
POST is a failure unless it is the expected redirect (a page shown again with errors means
answers were refused). The server is reached as if behind an HTTPS reverse proxy
(``X-Forwarded-Proto: https``, and ``X-Forwarded-For`` with an address of its own for each
respondent, run.sh setting ``BALISE_PROXY_COUNT=1``), as in production: the secure CSRF
cookie applies, and the per-address rate limit sees 200 people, not one machine.

At the end, ``LOAD_SUMMARY`` (JSON) gets the percentiles, the failures, and per finished
respondent the questions answered, which ``seed.py verify`` compares with the database.
"""

import json
import os
import random
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import gevent
from locust import HttpUser, between, events, task
from locust.exception import StopUser
from selectolax.lexbor import LexborHTMLParser as HTMLParser

TOKENS = [t for t in Path(os.environ["LOAD_TOKENS"]).read_text().split() if t]
random.shuffle(TOKENS)
WAIT = between(
    float(os.environ.get("LOAD_WAIT_MIN", "10")), float(os.environ.get("LOAD_WAIT_MAX", "30"))
)
FINISHED: dict[str, dict[str, list[str]]] = {}  # token → question code → posted values
STARTED: set[str] = set()
# nginx talks to gunicorn over a new connection for each request (no upstream keep-alive
# by default): so do we, which also avoids reusing a connection gunicorn is closing.
PROXY = {"X-Forwarded-Proto": "https", "Connection": "close"}
ADDRESSES = iter(range(1, 1 << 24))  # one client address per respondent: 10.0.0.1, …
QUESTION = re.compile(r"^q-(?P<code>.+)$")


def page_answers(html: str) -> tuple[dict[str, list[str]], list[str], str]:
    """(field name → values to post, questions shown, CSRF token) for a section page:
    keeps what is already checked or filled in, otherwise picks a real option at random
    (not "je ne sais pas"), a number for a number and a sentence for a free text."""
    tree = HTMLParser(html)
    form = tree.css_first("form.questionnaire")
    shown = [node.attributes["value"] for node in form.css('input[name="shown"]')]
    csrf = form.css_first('input[name="csrfmiddlewaretoken"]').attributes["value"]
    data: dict[str, list[str]] = {}
    choices: dict[str, list[tuple[str, bool, str]]] = {}
    for node in form.css("input, textarea"):
        name = node.attributes.get("name") or ""
        if not QUESTION.match(name):
            continue
        kind = node.attributes.get("type", "textarea") if node.tag == "input" else "textarea"
        if kind in {"radio", "checkbox"}:
            value = node.attributes.get("value", "")
            checked = "checked" in node.attributes
            choices.setdefault(name, []).append((value, checked, kind))
        elif kind == "text":
            data[name] = [node.attributes.get("value") or str(random.randint(2, 80))]
        else:
            data[name] = [node.text() or "Réponse saisie pendant le test de charge."]
    for name, options in choices.items():
        if name in data:  # the "je ne sais pas" box of a number or text question
            continue
        checked = [value for value, is_checked, _kind in options if is_checked]
        real = [value for value, _checked, _kind in options if value != "nsp"] or ["nsp"]
        data[name] = checked or [random.choice(real)]
    return data, shown, csrf


class Respondent(HttpUser):
    wait_time = WAIT

    def pause(self):
        # Not self.wait(): locust stops a user inside wait() once the run time is over,
        # whereas a respondent who has started goes on to the end (--stop-timeout).
        gevent.sleep(self.wait_time())

    def _get(self, url: str, name: str):
        with self.client.get(url, name=name, headers=self.headers, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.error!r}")
                raise StopUser()
            return response

    def _post(self, url: str, data, name: str, *, expect: str) -> str:
        csrf_cookie = self.client.cookies.get("csrftoken", "")
        headers = {**self.headers, "Referer": f"https://{urlsplit(self.host).netloc}{url}"}
        with self.client.post(
            url,
            data=data,
            name=name,
            headers=headers,
            cookies={"csrftoken": csrf_cookie},  # Secure cookie: requests holds it back on http
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or expect not in location:
                response.failure(f"{response.status_code} → {location!r} {response.error!r}")
                raise StopUser()
            return location.split("#")[0]

    @task
    def answer_the_questionnaire(self):
        if not TOKENS:
            raise StopUser()
        token = TOKENS.pop()
        STARTED.add(token)
        n = next(ADDRESSES)
        # As nginx sets it: the rate limits count each respondent's own address.
        self.headers = {**PROXY, "X-Forwarded-For": f"10.{n >> 16}.{(n >> 8) & 255}.{n & 255}"}
        base = f"/r/{token}/"
        welcome = self._get(base, "/r/[lien]/ (accueil)")
        start = HTMLParser(welcome.text).css_first(f'a[href^="{base}"]').attributes["href"]
        url, answered, pages = start, {}, 0
        self.pause()  # reads the welcome page, then "Commencer"
        while not url.endswith("/terminer/"):
            pages += 1
            if pages > 40:
                raise RuntimeError("the questionnaire never ends")
            # The browser follows the redirect at once; the person then answers the page.
            page = self._get(url, "/r/[lien]/[section]/ GET")
            data, shown, csrf = page_answers(page.text)
            answered.update({name[2:]: values for name, values in data.items()})
            self.pause()
            url = self._post(
                url,
                {**data, "shown": shown, "action": "next", "csrfmiddlewaretoken": csrf},
                "/r/[lien]/[section]/ POST",
                expect=base,
            )
        recap = self._get(url, "/r/[lien]/terminer/ GET")
        csrf = HTMLParser(recap.text).css_first('input[name="csrfmiddlewaretoken"]')
        self.pause()  # checks the recap, then "Terminer"
        results = self._post(
            url,
            {"csrfmiddlewaretoken": csrf.attributes["value"]},
            "/r/[lien]/terminer/ POST",
            expect="/resultats/",
        )
        FINISHED[token] = answered
        self._get(results, "/r/[lien]/resultats/")


@events.test_start.add_listener
def _started(environment, **kwargs):
    environment.balise_started_at = time.time()


@events.quitting.add_listener
def _summary(environment, **kwargs):
    total = environment.stats.total
    summary = {
        "users": environment.parsed_options.num_users if environment.parsed_options else None,
        "duration_s": round(time.time() - getattr(environment, "balise_started_at", time.time())),
        "requests": total.num_requests,
        "failures": total.num_failures,
        "rps": round(total.total_rps, 1),
        "p50_ms": total.get_response_time_percentile(0.50),
        "p95_ms": total.get_response_time_percentile(0.95),
        "p99_ms": total.get_response_time_percentile(0.99),
        "max_ms": round(total.max_response_time or 0),
        "by_page": {
            name: {
                "requests": entry.num_requests,
                "failures": entry.num_failures,
                "p50_ms": entry.get_response_time_percentile(0.50),
                "p95_ms": entry.get_response_time_percentile(0.95),
                "p99_ms": entry.get_response_time_percentile(0.99),
            }
            for (name, _method), entry in sorted(environment.stats.entries.items())
        },
        "errors": [
            {"name": e.name, "error": str(e.error), "count": e.occurrences}
            for e in environment.stats.errors.values()
        ],
        "respondents_started": len(STARTED),
        "respondents_finished": len(FINISHED),
        "finished_tokens": sorted(FINISHED),
        "answered": FINISHED,
    }
    Path(os.environ.get("LOAD_SUMMARY", "load-summary.json")).write_text(
        json.dumps(summary, indent=1, ensure_ascii=False)
    )
