"""Handing reports out: the PDF of one report, a campaign's ZIP of PDFs, the e-mail.

The web page and the PDF render the same partial (``diagnostics/_report.html``) from the
:class:`~.reports.Report` that :func:`~.reports.build_report` gathers.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import BinaryIO

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.text import slugify

from balise.lib.pdf import html_to_pdf

from .models import Campaign, Response
from .reports import Report, build_report, loaded


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
    response = loaded(response)
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
