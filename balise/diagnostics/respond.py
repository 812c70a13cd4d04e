"""The respondent's path, by personal link and without an account:
welcome → one page per section → finish → results.

``/r/<token>/`` carries the invitation's key signed with the installation's secret. A
forged or altered token, an unknown key and a revoked link all get the same bare 404, so a
link says nothing about why it does not work. A valid link of a campaign that is closed,
not open yet or outside its dates gets a page saying so, with the office's contact.

Each page is saved when posted (POST, then redirect), so the diagnostic resumes from the
same link on any device. The page logic (:func:`section_page`, :func:`finish_page`) is
shared with the animator's assisted mode in :mod:`.views`: only the URLs, the template
and the recorded source differ.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from balise.lib.ratelimit import ratelimit
from balise.members.models import Provider
from balise.offices.models import User

from . import answering, forms, report_delivery, reports
from .definition import Definition
from .models import Campaign, CampaignStatus, Invitation, Response, ResponseSource
from .scoring import applicable_questions, visible_sections

SECONDS_PER_QUESTION = 15  # an estimate for a tap-to-answer question on a phone

# Saving pages (POST): per personal link, far above a person's pace (a page every two
# seconds), and per address, for a whole room answering from one office network.
per_link_limit = ratelimit(key=lambda request, token, **kwargs: token, rate="30/m", group="respond")
per_address_limit = ratelimit(key="ip", rate="300/m", group="respond-ip")
# A PDF costs a second of the server's time: a few a minute per link is plenty.
pdf_limit = ratelimit(
    key=lambda request, token, **kwargs: token, rate="6/m", methods=None, group="respond-pdf"
)


@dataclass
class Flow:
    """One response being answered, and where its pages live."""

    campaign: Campaign
    provider: Provider
    response: Response | None
    source: str
    user: User | None
    section_url: Callable[[str], str]
    start_url: str  # "Précédent" on the first page
    finish_url: str
    done_url: Callable[[Response], str]  # after "Terminer"

    @cached_property
    def definition(self) -> Definition:
        version = self.response.version if self.response else self.campaign.version
        return version.parsed

    @property
    def answers(self) -> dict:
        return self.response.answers if self.response else {}

    @property
    def category(self) -> str:
        return self.provider.category


def _private(response: HttpResponse) -> HttpResponse:
    # Personal answers: no shared cache keeps them, no browser cache stores them, no
    # search engine indexes a link that was forwarded.
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _neighbour(flow: Flow, answers: dict, current: str, *, forward: bool) -> str:
    codes = [s.code for s in visible_sections(flow.definition, answers, category=flow.category)]
    index = codes.index(current) if current in codes else -1
    if forward:
        return flow.section_url(codes[index + 1]) if index + 1 < len(codes) else flow.finish_url
    return flow.section_url(codes[index - 1]) if index > 0 else flow.start_url


def section_page(
    request: HttpRequest, flow: Flow, section_code: str, *, template: str, context: dict
) -> HttpResponse:
    """Show one page of the questionnaire, or save it and go on (POST-redirect-GET).

    A POST whose answers open follow-up questions on the same page (the conditions only
    look back, so they come after what they depend on) redirects to the same page, now
    showing them; otherwise to the next page ("Enregistrer et continuer") or the previous
    one ("Précédent"). Answers in error are not saved and the page is shown again with
    the errors; the valid answers of the page are saved all the same.
    """
    try:
        section = answering.visible_section(
            flow.definition, flow.answers, category=flow.category, code=section_code
        )
    except answering.UnknownSection:
        raise Http404 from None
    answers, errors, raw = flow.answers, {}, {}
    if request.method == "POST":
        forward = request.POST.get("action") != "previous"
        response = answering.start_or_resume(
            campaign=flow.campaign, provider=flow.provider, source=flow.source, user=flow.user
        )
        try:
            result = answering.save_section(
                response=response,
                section_code=section.code,
                data=forms.posted_answers(request.POST),
                shown=request.POST.getlist("shown"),
                require=forward,
            )
        except answering.UnknownSection:
            raise Http404 from None
        answers, errors, raw = result.response.answers, result.errors, result.raw
        if not errors and result.new_questions:
            messages.info(
                request,
                _("Votre réponse ouvre de nouvelles questions sur cette page : complétez-les."),
            )
            anchor = forms.question_id(result.new_questions[0])
            return redirect(f"{flow.section_url(section.code)}#{anchor}")
        if not errors:
            return redirect(_neighbour(flow, answers, section.code, forward=forward))
    sections = visible_sections(flow.definition, answers, category=flow.category)
    codes = [s.code for s in sections]
    fields = forms.question_fields(
        flow.definition, section, answers, category=flow.category, errors=errors, raw=raw
    )
    return render(
        request,
        template,
        {
            **context,
            "flow": flow,
            "section": section,
            "fields": fields,
            "error_fields": [f for f in fields if f.error],
            "step": codes.index(section.code) + 1 if section.code in codes else len(codes),
            "total": len(codes),
            "action_url": flow.section_url(section.code),
        },
    )


def finish_page(request: HttpRequest, flow: Flow, *, template: str, context: dict):
    """The recap before "Terminer": pages with their answered questions, what is missing.

    POST completes the response (scores and rows written) and goes to ``flow.done_url``;
    a required question left empty sends back to its page instead.
    """
    definition, category = flow.definition, flow.category
    if request.method == "POST":
        if not flow.answers:
            messages.error(request, _("Vous n'avez encore répondu à aucune question."))
            first = visible_sections(definition, {}, category=category)[0]
            return redirect(flow.section_url(first.code))
        missing = answering.missing_required(definition, flow.answers, category=category)
        if missing:
            section, question = missing[0]
            messages.error(
                request,
                _("Une question obligatoire attend votre réponse : « %(question)s ».")
                % {"question": question.label},
            )
            return redirect(f"{flow.section_url(section.code)}#{forms.question_id(question.code)}")
        response = answering.start_or_resume(
            campaign=flow.campaign, provider=flow.provider, source=flow.source, user=flow.user
        )
        response = answering.complete(response=response)
        return redirect(flow.done_url(response))
    progress = [
        (section, answered, applicable, flow.section_url(section.code))
        for section, answered, applicable in answering.section_progress(
            definition, flow.answers, category=category
        )
    ]
    codes = [section.code for section, *_rest in progress]
    return render(
        request,
        template,
        {
            **context,
            "flow": flow,
            "progress": progress,
            "missing": answering.missing_required(definition, flow.answers, category=category),
            "step": len(codes),
            "total": len(codes),
            "previous_url": flow.section_url(codes[-1]) if codes else flow.start_url,
        },
    )


# --- The personal link ------------------------------------------------------------------


def _invitation(token: str) -> Invitation:
    """The usable invitation behind ``token``, or 404 without saying why."""
    key = Invitation.key_from_token(token)
    if key is None:
        raise Http404
    invitation = (
        Invitation.objects.usable()
        .select_related("campaign__office", "campaign__version", "provider")
        .filter(key=key)
        .first()
    )
    if invitation is None or invitation.provider.is_archived:
        raise Http404
    return invitation


def _campaign_state(campaign: Campaign) -> str:
    today = timezone.localdate()
    if campaign.status == CampaignStatus.CLOSED or today > campaign.ends_on:
        return "closed"
    if campaign.status == CampaignStatus.DRAFT or today < campaign.starts_on:
        return "not_open"
    return "open"


def _response(invitation: Invitation) -> Response | None:
    return (
        Response.objects.select_related("version")
        .filter(campaign=invitation.campaign, provider=invitation.provider)
        .first()
    )


def _flow(invitation: Invitation, response: Response | None) -> Flow:
    token = invitation.token
    return Flow(
        campaign=invitation.campaign,
        provider=invitation.provider,
        response=response,
        source=ResponseSource.SELF,
        user=None,
        section_url=lambda code: reverse("respond:section", args=[token, code]),
        start_url=reverse("respond:welcome", args=[token]),
        finish_url=reverse("respond:finish", args=[token]),
        done_url=lambda _response: reverse("respond:results", args=[token]),
    )


def _context(invitation: Invitation) -> dict:
    return {
        "invitation": invitation,
        "campaign": invitation.campaign,
        "office": invitation.campaign.office,
        "provider": invitation.provider,
        "token": invitation.token,
    }


def _open_link(request: HttpRequest, token: str):
    """(invitation, response, None) for an open campaign, else (…, the "closed" page)."""
    invitation = _invitation(token)
    response = _response(invitation)
    state = _campaign_state(invitation.campaign)
    if state != "open":
        page = render(
            request,
            "diagnostics/respond/closed.html",
            {**_context(invitation), "state": state, "response": response},
        )
        return invitation, response, _private(page)
    if invitation.opened_at is None:
        Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(
            opened_at=timezone.now()
        )
    return invitation, response, None


def welcome(request: HttpRequest, token: str) -> HttpResponse:
    invitation, response, closed = _open_link(request, token)
    if closed:
        return closed
    flow = _flow(invitation, response)
    definition, answers, category = flow.definition, flow.answers, flow.category
    sections = visible_sections(definition, answers, category=category)
    resume = answering.resume_section(definition, answers, category=category)
    if response is None or response.is_completed:
        next_url = flow.section_url(sections[0].code)
    else:
        next_url = flow.section_url(resume.code) if resume else flow.finish_url
    questions = len(applicable_questions(definition, answers, category=category))
    minutes = max(5, round(questions * SECONDS_PER_QUESTION / 60 / 5) * 5)
    context = {
        **_context(invitation),
        "response": response,
        "definition": definition,
        "section_count": len(sections),
        "minutes": minutes,
        "next_url": next_url,
    }
    return _private(render(request, "diagnostics/respond/welcome.html", context))


@per_address_limit
@per_link_limit
def section(request: HttpRequest, token: str, section_code: str) -> HttpResponse:
    invitation, response, closed = _open_link(request, token)
    if closed:
        return closed
    page = section_page(
        request,
        _flow(invitation, response),
        section_code,
        template="diagnostics/respond/section.html",
        context=_context(invitation),
    )
    return _private(page)


@per_address_limit
@per_link_limit
def finish(request: HttpRequest, token: str) -> HttpResponse:
    invitation, response, closed = _open_link(request, token)
    if closed:
        return closed
    page = finish_page(
        request,
        _flow(invitation, response),
        template="diagnostics/respond/finish.html",
        context=_context(invitation),
    )
    return _private(page)


def results(request: HttpRequest, token: str) -> HttpResponse:
    """The provider's results, at once after finishing, and later from the same link
    (even once the campaign is closed: they are the provider's own)."""
    invitation = _invitation(token)
    response = _response(invitation)
    if response is None or not response.is_completed:
        return redirect("respond:welcome", token)
    context = {
        **_context(invitation),
        "response": response,
        "report": reports.build_report(response),
        "can_edit": _campaign_state(invitation.campaign) == "open",
    }
    return _private(render(request, "diagnostics/respond/results.html", context))


@pdf_limit
def results_pdf(request: HttpRequest, token: str) -> HttpResponse:
    """The provider's own report as a PDF, from the same personal link as the results."""
    invitation = _invitation(token)
    response = _response(invitation)
    if response is None or not response.is_completed:
        return redirect("respond:welcome", token)
    http = HttpResponse(report_delivery.render_report_pdf(response), content_type="application/pdf")
    filename = report_delivery.report_filename(response)
    http["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(http)
