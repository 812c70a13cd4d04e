"""Types shared by the checks: verdicts, results, provider facts and the ordered registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..page import Page, plain


class Verdict(models.TextChoices):
    OK = "ok", _("ok")
    TO_IMPROVE = "to_improve", _("à améliorer")
    MISSING = "missing", _("absent")
    UNKNOWN = "unknown", _("inconnu")


@dataclass(frozen=True)
class ProviderFacts:
    """What the directory says about the provider: checks never touch the database."""

    category: str = ""  # balise.members.models.Category value ("hotel", "restaurant"...)
    phone: str = ""
    email: str = ""
    website: str = ""
    social_links: dict[str, str] = field(default_factory=dict)  # network → account URL


@dataclass(frozen=True)
class CheckResult:
    code: str  # stable, e.g. "site.reachable"
    verdict: Verdict
    label: Any  # lazy French string
    evidence: str = ""  # plain French text, ≤ 200 characters
    advice: Any = ""  # lazy French string, "" when nothing to do
    data: dict[str, Any] = field(default_factory=dict)  # JSON-friendly

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (lazy strings rendered in the active language)."""
        return {
            "code": self.code,
            "verdict": str(self.verdict.value),
            "label": str(self.label),
            "evidence": self.evidence,
            "advice": str(self.advice),
            "data": self.data,
        }


CheckFunction = Callable[..., CheckResult]


@dataclass(frozen=True)
class Check:
    code: str
    label: Any
    function: CheckFunction
    needs_content: bool  # True: "unknown" when the page could not be read


CHECKS: list[Check] = []


def check(code: str, label: Any, *, needs_content: bool = True):
    """Register ``check_xxx(page, *, provider)`` under ``code``; registration order is kept."""

    def register(function: CheckFunction) -> CheckFunction:
        CHECKS.append(Check(code, label, function, needs_content))
        function.code = code  # type: ignore[attr-defined]
        function.label = label  # type: ignore[attr-defined]
        return function

    return register


def result(
    function: CheckFunction,
    verdict: Verdict,
    evidence: str = "",
    advice: Any = "",
    **data: Any,
) -> CheckResult:
    """A CheckResult for a registered check function (code and label taken from it)."""
    return CheckResult(
        code=function.code,  # type: ignore[attr-defined]
        verdict=verdict,
        label=function.label,  # type: ignore[attr-defined]
        evidence=plain(evidence),
        advice=advice,
        data=data,
    )


def not_html(function: CheckFunction, page: Page) -> CheckResult | None:
    """An "unknown" result when the page is not readable HTML, else None."""
    if page.is_html:
        return None
    reason = page.notes[-1] if page.notes else "La page n'a pas pu être lue."
    return result(function, Verdict.UNKNOWN, reason)


def worst(*verdicts: Verdict) -> Verdict:
    order = [Verdict.MISSING, Verdict.TO_IMPROVE, Verdict.UNKNOWN, Verdict.OK]
    return min(verdicts, key=order.index)
