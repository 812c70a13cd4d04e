"""The individual report of a diagnostic: what the provider gets back for their answers.

:func:`build_report` gathers everything the report shows into a :class:`Report`, which the
web page and the PDF render with the same partial (``diagnostics/_report.html``):

- the overall score and level, the score of each axis with the number of questions behind
  it, and a radar chart;
- 3 to 5 strengths (the best axes scoring at least 60, else the best ones) and 3 to 5
  priorities (the recommendations that fired, most urgent first, with their workshop
  themes; the weakest axes fill in when fewer than 3 fired);
- the position against the territory (every completed response of the same campaign)
  and against the provider's own category in that campaign, each shown only when at
  least :data:`MIN_PEERS` other providers answered, so that nobody's answers can be
  worked out from an average (the same rule masks an axis with too few scores);
- the change since the provider's previous completed diagnostic with the same office.

Averages come from the ``AxisScore`` and ``Response`` rows, aggregated in SQL: a report
costs the same few queries whatever the size of the campaign.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, BinaryIO

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Avg, Count, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from balise.audits.gaps import observations_for
from balise.lib import charts
from balise.lib.pdf import html_to_pdf
from balise.members.models import Category, Provider
from balise.offices.models import Office

from .definition import Definition
from .models import AxisScore, Campaign, FiredRecommendation, Response
from .scoring import score

MIN_PEERS = 5  # other providers needed before an average is shown (re-identification)
STRONG_SCORE = 60  # an axis at or above this is a strength
MIN_ITEMS, MAX_ITEMS = 3, 5  # strengths and priorities shown


@dataclass(frozen=True)
class LevelInfo:
    number: int
    name: str
    description: str
    min_score: float


@dataclass(frozen=True)
class AxisLine:
    code: str
    title: str
    description: str
    score: float | None
    counted: int  # questions behind the score
    territory: float | None = None  # None: no comparison, or too few scores to show
    category: float | None = None
    previous: float | None = None

    @property
    def change(self) -> float | None:
        if self.score is None or self.previous is None:
            return None
        return round(self.score - self.previous, 1)


@dataclass(frozen=True)
class Strength:
    code: str
    title: str
    score: float


@dataclass(frozen=True)
class Theme:
    code: str
    label: str


@dataclass(frozen=True)
class Priority:
    code: str
    title: str
    advice: str
    themes: list[Theme]
    axis: str | None = None  # set when the priority is a weak axis, not a fired rule


@dataclass(frozen=True)
class Comparison:
    """Averages of a group of respondents of the same campaign, or why they are hidden."""

    scope: str  # "territory" or "category"
    label: str  # after "avec": "le territoire", "la catégorie « Hôtel »"
    title: str  # "Moyenne du territoire", "Moyenne de la catégorie « Hôtel »"
    peers: int  # other providers with a completed diagnostic in the group
    overall: float | None  # None when hidden
    axes: dict[str, float | None]  # None for an axis with fewer than MIN_PEERS other scores
    own: float | None = None  # the provider's overall score, to compare with

    @property
    def shown(self) -> bool:
        return self.peers >= MIN_PEERS

    @property
    def difference(self) -> float | None:
        if self.own is None or self.overall is None:
            return None
        return round(self.own - self.overall, 1)

    @property
    def gap(self) -> float | None:
        difference = self.difference
        return None if difference is None else abs(difference)

    @property
    def position(self) -> str:
        """ "above", "below" or "level" (within 2.5 points: no real difference)."""
        difference = self.difference
        if difference is None or abs(difference) < 2.5:
            return "level"
        return "above" if difference > 0 else "below"

    @property
    def hidden_reason(self) -> str:
        return _(
            "La comparaison avec %(group)s n'est pas affichée : elle reposerait sur moins "
            "de %(minimum)s autres prestataires, et chacun doit rester anonyme."
        ) % {"group": self.label, "minimum": MIN_PEERS}


@dataclass(frozen=True)
class AxisChange:
    code: str
    title: str
    before: float
    after: float

    @property
    def delta(self) -> float:
        return round(self.after - self.before, 1)


@dataclass(frozen=True)
class Change:
    """What moved since the provider's previous completed diagnostic."""

    campaign_name: str
    completed_on: date
    overall_before: float | None
    overall_after: float | None
    axes: list[AxisChange]

    @property
    def overall_delta(self) -> float | None:
        if self.overall_before is None or self.overall_after is None:
            return None
        return round(self.overall_after - self.overall_before, 1)

    @property
    def biggest_gain(self) -> AxisChange | None:
        """The axis that gained most (at least 5 points), if any."""
        best = max(self.axes, key=lambda axis: axis.delta, default=None)
        return best if best is not None and best.delta >= 5 else None

    @property
    def biggest_drop(self) -> AxisChange | None:
        """The axis that lost most (at least 5 points), if any."""
        worst = min(self.axes, key=lambda axis: axis.delta, default=None)
        return worst if worst is not None and worst.delta <= -5 else None


@dataclass
class Report:
    response: Response
    provider: Provider
    campaign: Campaign
    office: Office
    language: str
    questionnaire_title: str
    completed_on: date | None
    overall: float | None
    level: LevelInfo | None
    levels: list[LevelInfo]
    axes: list[AxisLine]
    strengths: list[Strength]
    priorities: list[Priority]
    territory: Comparison
    category: Comparison
    change: Change | None
    chart: charts.Chart | None
    # "Ce que nous avons observé": the latest site audit (balise.audits.gaps),
    # [] when there is none; the templates show no section while it is empty.
    observations: Any = field(default_factory=list)
    min_peers: int = MIN_PEERS
    generated_at: datetime = field(default_factory=timezone.now)

    @property
    def scored_axes(self) -> list[AxisLine]:
        return [axis for axis in self.axes if axis.score is not None]

    @property
    def comparisons(self) -> list[Comparison]:
        return [self.territory, self.category]


THEMES_QUESTION = "besoins.themes"  # its options are the workshop themes, with their names


def theme_labels(definition: Definition, language: str) -> dict[str, str]:
    """Workshop theme code → name, from the questionnaire's "wished topics" question.

    The workshop programme (a later issue) will own the theme catalogue; until then the
    questionnaire names the themes it refers to.
    """
    question = definition.question(THEMES_QUESTION)
    if question is None:
        return {}
    return {option.code: option.label.get(language) for option in question.options}


def theme_label(code: str, labels: dict[str, str] | None = None) -> str:
    """The name of a workshop theme; its code made readable when nothing names it."""
    if labels and code in labels:
        return labels[code]
    return code.replace("_", " ").replace("-", " ").capitalize()


def _loaded(response: Response) -> Response:
    """The response with its provider, campaign, office and version, in one query at most."""
    cached = all(
        descriptor.is_cached(response)
        for descriptor in (Response.provider, Response.campaign, Response.office, Response.version)
    )
    if cached:
        return response
    return Response.objects.select_related("provider", "campaign", "office", "version").get(
        pk=response.pk
    )


def _own_scores(response: Response, definition: Definition) -> tuple[dict, float | None, list]:
    """(axis code → (score, counted)), overall score, fired rule codes with themes.

    From the rows written when the diagnostic was completed; scored again from the
    answers when the rows are missing (a response completed before rows existed).
    """
    rows = list(AxisScore.objects.filter(response=response).values_list("axis", "score", "counted"))
    fired = list(
        FiredRecommendation.objects.filter(response=response)
        .order_by("priority", "id")
        .values_list("code", "themes")
    )
    if rows:
        return (
            {axis: (value, counted) for axis, value, counted in rows},
            response.overall_score,
            fired,
        )
    result = score(definition, response.answers or {}, category=response.provider.category)
    return (
        {code: (axis.score, axis.counted) for code, axis in result.axes.items()},
        result.overall,
        [(rule.code, list(rule.themes)) for rule in result.recommendations],
    )


def _comparisons(
    response: Response, category_label: str, own: float | None
) -> tuple[Comparison, Comparison]:
    """Territory and category averages of the campaign, in two aggregate queries."""
    completed = Q(response__campaign_id=response.campaign_id, response__completed_at__isnull=False)
    others = ~Q(response_id=response.pk)
    same_category = Q(response__provider__category=response.provider.category)
    per_axis = (
        AxisScore.objects.filter(completed, score__isnull=False)
        .values("axis")
        .annotate(
            territory=Avg("score"),
            territory_n=Count("id", filter=others),
            category=Avg("score", filter=same_category),
            category_n=Count("id", filter=others & same_category),
        )
        .order_by()
    )
    scored_others = ~Q(pk=response.pk) & Q(overall_score__isnull=False)
    category = Q(provider__category=response.provider.category)
    overall = Response.objects.filter(
        campaign_id=response.campaign_id, completed_at__isnull=False
    ).aggregate(
        territory=Avg("overall_score"),
        territory_n=Count("id", filter=scored_others),
        category=Avg("overall_score", filter=category),
        category_n=Count("id", filter=scored_others & category),
    )
    rows = list(per_axis)

    def build(scope: str, label: str, title: str) -> Comparison:
        peers = overall[f"{scope}_n"]
        shown = peers >= MIN_PEERS
        return Comparison(
            scope=scope,
            label=label,
            title=title,
            peers=peers,
            overall=overall[scope] if shown else None,
            axes={
                row["axis"]: row[scope]
                for row in rows
                if shown and row[f"{scope}_n"] >= MIN_PEERS and row[scope] is not None
            },
            own=own,
        )

    return (
        build("territory", _("le territoire"), _("Moyenne du territoire")),
        build(
            "category",
            _("la catégorie « %(category)s »") % {"category": category_label},
            _("Moyenne de la catégorie « %(category)s »") % {"category": category_label},
        ),
    )


def _previous(response: Response) -> tuple[Response | None, dict[str, float]]:
    """The provider's latest completed diagnostic in an earlier campaign of the office."""
    previous = (
        Response.objects.filter(
            office_id=response.office_id,
            provider_id=response.provider_id,
            completed_at__isnull=False,
            campaign__starts_on__lt=response.campaign.starts_on,
        )
        .exclude(pk=response.pk)
        .select_related("campaign")
        .order_by("-campaign__starts_on", "-completed_at")
        .first()
    )
    if previous is None:
        return None, {}
    scores = dict(
        AxisScore.objects.filter(response=previous, score__isnull=False).values_list(
            "axis", "score"
        )
    )
    return previous, scores


def _levels(definition: Definition, language: str) -> list[LevelInfo]:
    return [
        LevelInfo(
            number=level.number,
            name=level.name.get(language),
            description=level.description.get(language),
            min_score=level.min_score,
        )
        for level in definition.levels
    ]


def _strengths(axes: list[AxisLine]) -> list[Strength]:
    ranked = sorted((axis for axis in axes if axis.score is not None), key=lambda axis: -axis.score)
    strong = [axis for axis in ranked if axis.score >= STRONG_SCORE][:MAX_ITEMS]
    chosen = strong if len(strong) >= MIN_ITEMS else ranked[:MIN_ITEMS]
    return [Strength(code=axis.code, title=axis.title, score=axis.score) for axis in chosen]


def _condition_axes(condition, definition: Definition) -> set[str]:
    """The axes a rule's condition looks at: directly, or through a scored question."""
    if isinstance(condition, list):
        return {axis for item in condition for axis in _condition_axes(item, definition)}
    if not isinstance(condition, dict):
        return set()
    found = set()
    if isinstance(condition.get("axis"), str):
        found.add(condition["axis"])
    for key in ("answer", "answered"):
        question = definition.question(condition[key]) if key in condition else None
        if question is not None and question.axis:
            found.add(question.axis)
    for key in ("all", "any", "not"):
        if key in condition:
            found |= _condition_axes(condition[key], definition)
    return found


def _priorities(
    definition: Definition,
    fired: list[tuple[str, list]],
    axes: list[AxisLine],
    strengths: list[Strength],
    language: str,
) -> list[Priority]:
    rules = {rule.code: rule for rule in definition.recommendations}
    labels = theme_labels(definition, language)
    priorities = []
    for code, themes in fired:
        rule = rules.get(code)
        if rule is None:  # a rule of another version: nothing to say about it
            continue
        priorities.append(
            Priority(
                code=code,
                title=rule.title.get(language),
                advice=rule.advice.get(language),
                themes=[
                    Theme(theme, theme_label(theme, labels)) for theme in (themes or rule.themes)
                ],
            )
        )
        if len(priorities) == MAX_ITEMS:
            return priorities
    if len(priorities) >= MIN_ITEMS:
        return priorities
    # Too few rules fired: the weakest axes complete the list, leaving out those a fired
    # rule already speaks about, and the strengths unless nothing else is left.
    covered = {
        axis
        for code, _themes in fired
        if code in rules
        for axis in _condition_axes(rules[code].when, definition)
    }
    strong = {strength.code for strength in strengths}
    ranked = sorted(
        (axis for axis in axes if axis.score is not None and axis.code not in covered),
        key=lambda axis: axis.score,
    )
    weakest = [axis for axis in ranked if axis.code not in strong] + [
        axis for axis in ranked if axis.code in strong
    ]
    for axis in weakest[: MIN_ITEMS - len(priorities)]:
        priorities.append(
            Priority(
                code=f"axe.{axis.code}",
                title=_("Progresser en « %(axis)s »") % {"axis": axis.title},
                advice=axis.description
                or _(
                    "C'est l'un de vos axes les moins avancés (%(score)s sur 100). Parlez-en "
                    "avec l'animateur numérique de l'office pour choisir une première action."
                )
                % {"score": charts.format_value(axis.score)},
                themes=[],
                axis=axis.code,
            )
        )
    return priorities


def build_report(response: Response, *, language: str | None = None) -> Report:
    """Everything the individual report shows for a completed ``response``.

    Texts of the questionnaire come in ``language`` (default: the active language, with
    French as the fallback). Queries: at most nine, whatever the size of the campaign.
    """
    language = (language or translation.get_language() or settings.LANGUAGE_CODE)[:2]
    with translation.override(language):
        return _build(_loaded(response), language)


def _build(response: Response, language: str) -> Report:
    definition = response.version.parsed
    provider = response.provider
    own, overall, fired = _own_scores(response, definition)
    category_label = str(
        Category(provider.category).label
        if provider.category in Category.values
        else provider.category
    )
    territory, category = _comparisons(response, category_label, overall)
    previous, previous_scores = _previous(response)

    axes = []
    for axis in definition.axes:
        value, counted = own.get(axis.code, (None, 0))
        axes.append(
            AxisLine(
                code=axis.code,
                title=axis.title.get(language),
                description=axis.description.get(language) if axis.description else "",
                score=value,
                counted=counted,
                territory=territory.axes.get(axis.code),
                category=category.axes.get(axis.code),
                previous=previous_scores.get(axis.code),
            )
        )

    levels = _levels(definition, language)
    level = None
    if overall is not None:
        number = response.level or definition.level_for(overall).number
        level = next((item for item in levels if item.number == number), None)

    change = None
    if previous is not None:
        change = Change(
            campaign_name=previous.campaign.name,
            completed_on=timezone.localdate(previous.completed_at),
            overall_before=previous.overall_score,
            overall_after=overall,
            axes=[
                AxisChange(code=line.code, title=line.title, before=line.previous, after=line.score)
                for line in axes
                if line.score is not None and line.previous is not None
            ],
        )

    strengths = _strengths(axes)
    return Report(
        response=response,
        provider=provider,
        campaign=response.campaign,
        office=response.office,
        language=language,
        questionnaire_title=definition.title.get(language),
        completed_on=timezone.localdate(response.completed_at) if response.completed_at else None,
        overall=overall,
        level=level,
        levels=levels,
        axes=axes,
        strengths=strengths,
        priorities=_priorities(definition, fired, axes, strengths, language),
        territory=territory,
        category=category,
        change=change,
        chart=_chart(axes, territory, change),
        observations=observations_for(response),
    )


def _chart(axes: list[AxisLine], territory: Comparison, change: Change | None):
    if not any(axis.score is not None for axis in axes):
        return None
    compare = []
    if territory.shown:
        compare.append((_("Moyenne du territoire"), [axis.territory for axis in axes]))
    if change is not None:
        compare.append(
            (
                _("Diagnostic précédent (%(year)s)") % {"year": change.completed_on.year},
                [axis.previous for axis in axes],
            )
        )
    kwargs = {
        "title": _("Vos scores par axe, sur 100"),
        "series_name": _("Votre score"),
        "compare": compare,
        "label_header": _("Axe"),
    }
    points = [(axis.title, axis.score) for axis in axes]
    return charts.radar(points, **kwargs) if len(points) >= 3 else charts.bars(points, **kwargs)


# --- PDF -------------------------------------------------------------------------------


def report_filename(response: Response) -> str:
    name = slugify(response.provider.name)[:60] or "prestataire"
    return f"diagnostic-{name}-{response.pk}.pdf"


def render_report_html(report: Report) -> str:
    with translation.override(report.language):
        return render_to_string("diagnostics/report_pdf.html", {"report": report})


def render_report_pdf(
    response: Response, *, language: str | None = None, cache: dict | None = None
) -> bytes:
    """The report as an A4 PDF. ``cache`` may be shared across a campaign's reports."""
    report = build_report(response, language=language)
    return html_to_pdf(render_report_html(report), cache=cache)


def completed_responses(campaign: Campaign):
    return (
        Response.objects.filter(campaign=campaign, completed_at__isnull=False)
        .select_related("provider", "campaign", "office", "version")
        .order_by("provider__normalized_name", "pk")
    )


def _add_reports(
    archive: zipfile.ZipFile, campaign: Campaign, language: str | None
) -> Iterator[str]:
    """Add one PDF per completed response to ``archive``, yielding each file name."""
    versions: dict[int, object] = {}
    cache: dict = {}
    for response in list(completed_responses(campaign)):
        # One parsed definition per version, not one per response.
        response.version = versions.setdefault(response.version_id, response.version)
        name = report_filename(response)
        # PDFs are compressed already: storing them is as small and much faster.
        archive.writestr(name, render_report_pdf(response, language=language, cache=cache))
        yield name


class _Sink(io.RawIOBase):
    """A write-only, unseekable stream whose bytes are handed out in chunks."""

    def __init__(self):
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def iter_campaign_zip(campaign: Campaign, *, language: str | None = None) -> Iterator[bytes]:
    """The campaign's ZIP (one PDF per completed response), yielded as each PDF is ready.

    Streaming starts the download at once and keeps memory flat, one PDF at a time;
    ZipFile writes data descriptors since it cannot seek back in the stream.
    """
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for _name in _add_reports(archive, campaign, language):
            yield sink.take()
    yield sink.take()


def write_campaign_zip(
    campaign: Campaign, target: BinaryIO | str, *, language: str | None = None
) -> int:
    """Write the campaign's ZIP to ``target`` (a path or a binary file); return the PDF count."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
        return sum(1 for _name in _add_reports(archive, campaign, language))


# --- E-mail ----------------------------------------------------------------------------


def send_report(*, response: Response, user=None) -> bool:
    """E-mail the PDF report to the provider; False (nothing sent) when it has no e-mail.

    Consent: the report is the provider's own diagnostic, sent back to them as a service
    they asked for by answering. It needs no marketing consent (RGPD: performance of the
    service / legitimate interest), so ``Provider.marketing_consent`` is not checked; in
    return, the message carries no marketing at all: no newsletter, no workshop
    advertising, no tracking link, only the report and who to reply to.

    Side effects: one e-mail through Django's mail backend (errors propagate), written in
    the installation's language, replies going to the office (else to ``user``). Nothing
    is recorded.
    """
    response = _loaded(response)
    provider = response.provider
    if not provider.email:
        return False
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        report = build_report(response, language=language)
        pdf = html_to_pdf(render_report_html(report))
        context = {"report": report, "sender": user, "site_url": settings.SITE_URL}
        subject = render_to_string("emails/diagnostic_report_subject.txt", context)
        body = render_to_string("emails/diagnostic_report.txt", context)
    reply_to = [response.office.email] if response.office.email else []
    if not reply_to and user is not None and getattr(user, "email", ""):
        reply_to = [user.email]
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[provider.email],
        reply_to=reply_to or None,
    )
    message.attach(report_filename(response), pdf, "application/pdf")
    message.send(fail_silently=False)
    return True
