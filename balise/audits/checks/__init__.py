"""The checks of the online-presence audit: small pure functions over a parsed Page.

``run_checks(fetch_result, provider)`` parses the page once and runs every registered check
in order (``CHECKS``). A check never raises: if one fails unexpectedly, its result is
"unknown". When the site could not be read, the content checks are "unknown" (we could not
see), not "missing".
"""

from __future__ import annotations

import logging
from datetime import date

from ..fetcher import FetchResult
from ..page import Page
from . import content, presence, technical  # noqa: F401 - registers the checks, in order
from .base import CHECKS, Check, CheckResult, ProviderFacts, Verdict

__all__ = ["CHECKS", "Check", "CheckResult", "ProviderFacts", "Verdict", "run_check", "run_checks"]

logger = logging.getLogger(__name__)


def run_check(entry: Check, page: Page, provider: ProviderFacts) -> CheckResult:
    if entry.needs_content and not page.reachable:
        return CheckResult(
            code=entry.code,
            verdict=Verdict.UNKNOWN,
            label=entry.label,
            evidence="Site injoignable : impossible de vérifier.",
        )
    try:
        return entry.function(page, provider=provider)
    except Exception:
        logger.exception("audit: check %s failed on %s", entry.code, page.base_url)
        return CheckResult(
            code=entry.code,
            verdict=Verdict.UNKNOWN,
            label=entry.label,
            evidence="Vérification impossible (erreur interne).",
            data={"error": "internal"},
        )


def run_checks(
    result: FetchResult, provider: ProviderFacts, *, today: date | None = None
) -> list[CheckResult]:
    """Every check on one fetched home page; ``today`` defaults to the fetch date."""
    page = Page.from_fetch(result, today=today)
    return [run_check(entry, page, provider) for entry in CHECKS]
