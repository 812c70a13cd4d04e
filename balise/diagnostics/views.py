"""Staff pages of the diagnostics: campaigns, their follow-up, invitations, the animator's
assisted mode, and the questionnaire versions.

Thin views: access → form → service → response. Every page starts with ``office_access``
(read to look, edit to change) and reaches rows through ``get_for_office`` (versions,
which shared questionnaires have too, through ``versions.visible_versions``).
"""

import yaml
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from balise.lib.access import OfficeAccess, get_for_office, office_access
from balise.members.models import Provider

from . import answering, campaigns, followup, forms, invitation_mail, invitations, tasks, versions
from .models import Campaign, Invitation, ResponseSource
from .respond import Flow, finish_page, section_page

PAGE_SIZE = 50


def _campaign(access: OfficeAccess, campaign_id: int) -> Campaign:
    return get_for_office(
        access,
        Campaign.objects.select_related("office", "version__questionnaire", "created_by"),
        pk=campaign_id,
    )


def _detail(access: OfficeAccess, campaign: Campaign, anchor: str = ""):
    url = reverse("diagnostics:campaign_detail", args=[access.office.slug, campaign.pk])
    return redirect(f"{url}#{anchor}" if anchor else url)


# --- Campaigns ----------------------------------------------------------------------------


@login_required
def campaign_list(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug)
    listed = campaigns.campaigns_for_list(access.office)
    return render(request, "diagnostics/campaign_list.html", {"campaigns": listed})


@login_required
def campaign_create(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    default = versions.ensure_default_version()
    data = request.POST if request.method == "POST" else None
    form = forms.CampaignForm(data, office=access.office, initial_version=default)
    targets = forms.target_form(data, office=access.office)
    if data is not None and "preview" not in data and form.is_valid():
        try:
            campaign = campaigns.create_campaign(
                office=access.office,
                name=form.cleaned_data["name"],
                version=form.cleaned_data["version"],
                starts_on=form.cleaned_data["starts_on"],
                ends_on=form.cleaned_data["ends_on"],
                target_filters=forms.target_data(targets),
                message=form.cleaned_data["message"],
                user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "Campagne créée avec %(count)s prestataires. Ouvrez-la, puis envoyez les "
                    "invitations."
                )
                % {"count": campaign.invitations.count()},
            )
            return _detail(access, campaign)
    context = {"form": form, "targets": targets, "target_count": targets.filter().count()}
    return render(request, "diagnostics/campaign_form.html", context)


@login_required
def campaign_targets(request: HttpRequest, office_slug: str) -> HttpResponse:
    """The number of providers the filters target (HTMX, while the form is filled in)."""
    access = office_access(request, office_slug, need="edit")
    targets = forms.target_form(request.GET or None, office=access.office)
    return render(
        request, "diagnostics/_target_count.html", {"target_count": targets.filter().count()}
    )


@login_required
def campaign_edit(request: HttpRequest, office_slug: str, campaign_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    campaign = _campaign(access, campaign_id)
    initial = {
        "name": campaign.name,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "message": campaign.message,
    }
    form = forms.CampaignEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            campaigns.update_campaign(campaign=campaign, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Campagne enregistrée."))
            return _detail(access, campaign)
    return render(request, "diagnostics/campaign_form.html", {"form": form, "campaign": campaign})


STATUS_FILTERS = ("not_sent", "invited", "opened", "in_progress", "completed", "revoked")


@login_required
def campaign_detail(request: HttpRequest, office_slug: str, campaign_id: int) -> HttpResponse:
    access = office_access(request, office_slug)
    campaign = _campaign(access, campaign_id)
    rows = followup.provider_statuses(campaign)
    status = request.GET.get("etat", "")
    if status in STATUS_FILTERS:
        rows = rows.filter(status=status)
    elif status == "sans_email":
        rows = rows.filter(email="").exclude(status="completed")
    else:
        status = ""
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page.object_list:
        dates = [
            row.sent_at,
            row.last_reminded_at,
            row.opened_at,
            row.response_updated_at,
            row.completed_at,
        ]
        row.last_action = max((d for d in dates if d is not None), default=None)
        if access.can_edit and row.invitation_key and row.revoked_at is None:
            row.link = invitations.link_for_key(row.invitation_key)
    context = {
        "campaign": campaign,
        "participation": followup.participation(campaign),
        "page_obj": page,
        "rows": page.object_list,
        "status": status,
        "status_labels": followup.status_labels(),
        "status_filters": [(code, followup.status_labels()[code]) for code in STATUS_FILTERS],
        "pending_count": invitation_mail.pending_invitations(campaign).count(),
        "reminder_count": invitation_mail.due_reminders(campaign).count(),
        "phone_count": followup.providers_to_phone(campaign).count(),
        "source_labels": dict(ResponseSource.choices),
    }
    return render(request, "diagnostics/campaign_detail.html", context)


@login_required
@require_POST
def campaign_open(request: HttpRequest, office_slug: str, campaign_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    campaign = _campaign(access, campaign_id)
    try:
        campaigns.open_campaign(campaign=campaign)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("La campagne est ouverte : les liens personnels fonctionnent."))
    return _detail(access, campaign)


@login_required
@require_POST
def campaign_close(request: HttpRequest, office_slug: str, campaign_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    campaign = _campaign(access, campaign_id)
    campaigns.close_campaign(campaign=campaign)
    messages.success(
        request, _("La campagne est close : les liens affichent désormais un message de clôture.")
    )
    return _detail(access, campaign)


def _phone_message(request: HttpRequest, campaign: Campaign) -> None:
    to_phone = followup.providers_to_phone(campaign).count()
    if to_phone:
        messages.warning(
            request,
            ngettext(
                "%(count)s prestataire n'a pas d'adresse e-mail : appelez-le (filtre « Sans "
                "e-mail »).",
                "%(count)s prestataires n'ont pas d'adresse e-mail : appelez-les (filtre « Sans "
                "e-mail »).",
                to_phone,
            )
            % {"count": to_phone},
        )


@login_required
@require_POST
def campaign_send(request: HttpRequest, office_slug: str, campaign_id: int) -> HttpResponse:
    """Add newly targeted providers to the panel, then mail every pending invitation."""
    access = office_access(request, office_slug, need="edit")
    campaign = _campaign(access, campaign_id)
    if not campaign.is_open:
        messages.error(request, _("Ouvrez la campagne avant d'envoyer les invitations."))
        return _detail(access, campaign)
    invitations.invite(campaign=campaign)
    count = invitation_mail.pending_invitations(campaign).count()
    if count:
        tasks.send_invitations.enqueue(campaign.pk)
    messages.success(
        request,
        ngettext(
            "Envoi de %(count)s invitation lancé.",
            "Envoi de %(count)s invitations lancé.",
            count,
        )
        % {"count": count},
    )
    _phone_message(request, campaign)
    return _detail(access, campaign)


@login_required
@require_POST
def campaign_remind(request: HttpRequest, office_slug: str, campaign_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    campaign = _campaign(access, campaign_id)
    if not campaign.is_open:
        messages.error(request, _("La campagne n'est pas ouverte : aucune relance n'est possible."))
        return _detail(access, campaign)
    count = invitation_mail.due_reminders(campaign).count()
    if count:
        tasks.send_reminders.enqueue(campaign.pk)
    messages.success(
        request,
        ngettext("Envoi de %(count)s relance lancé.", "Envoi de %(count)s relances lancé.", count)
        % {"count": count},
    )
    _phone_message(request, campaign)
    return _detail(access, campaign)


def _invitation(access: OfficeAccess, campaign_id: int, invitation_id: int):
    campaign = _campaign(access, campaign_id)
    invitation = get_for_office(
        access,
        Invitation.objects.filter(campaign=campaign).select_related("provider"),
        pk=invitation_id,
    )
    return campaign, invitation


@login_required
@require_POST
def invitation_revoke(
    request: HttpRequest, office_slug: str, campaign_id: int, invitation_id: int
) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    campaign, invitation = _invitation(access, campaign_id, invitation_id)
    invitations.revoke_invitation(invitation=invitation)
    messages.success(
        request,
        _("Le lien de « %(name)s » ne fonctionne plus. Ses réponses sont conservées.")
        % {"name": invitation.provider.name},
    )
    return _detail(access, campaign, f"p-{invitation.provider_id}")


@login_required
@require_POST
def invitation_regenerate(
    request: HttpRequest, office_slug: str, campaign_id: int, invitation_id: int
) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    campaign, invitation = _invitation(access, campaign_id, invitation_id)
    invitations.regenerate_link(invitation=invitation)
    messages.success(
        request,
        _(
            "Nouveau lien pour « %(name)s » : l'ancien ne fonctionne plus. Il partira avec le "
            "prochain envoi des invitations, ou copiez-le."
        )
        % {"name": invitation.provider.name},
    )
    return _detail(access, campaign, f"p-{invitation.provider_id}")


# --- Assisted mode ------------------------------------------------------------------------


def _assisted_flow(request, access: OfficeAccess, campaign_id: int, provider_id: int) -> Flow:
    campaign = _campaign(access, campaign_id)
    provider = get_for_office(access, Provider.objects.select_related("commune"), pk=provider_id)
    response = (
        campaign.responses.select_related("version", "filled_by").filter(provider=provider).first()
    )
    base = reverse("diagnostics:assisted", args=[access.office.slug, campaign.pk, provider.pk])
    return Flow(
        campaign=campaign,
        provider=provider,
        response=response,
        source=ResponseSource.ASSISTED,
        user=request.user,
        section_url=lambda code: f"{base}?rubrique={code}",
        start_url=reverse("diagnostics:campaign_detail", args=[access.office.slug, campaign.pk])
        + f"#p-{provider.pk}",
        finish_url=reverse(
            "diagnostics:assisted_finish", args=[access.office.slug, campaign.pk, provider.pk]
        ),
        done_url=lambda response: reverse(
            "diagnostics:report", args=[access.office.slug, response.pk]
        ),
    )


@login_required
def assisted(
    request: HttpRequest, office_slug: str, campaign_id: int, provider_id: int
) -> HttpResponse:
    """The animator fills in or corrects a provider's diagnostic (phone call, visit), page
    by page as the provider would; the response is recorded as assisted, by this user."""
    access = office_access(request, office_slug, need="edit")
    flow = _assisted_flow(request, access, campaign_id, provider_id)
    code = request.GET.get("rubrique", "")
    if not code:
        resume = answering.resume_section(flow.definition, flow.answers, category=flow.category)
        if resume is None:
            return redirect(flow.finish_url)
        return redirect(flow.section_url(resume.code))
    return section_page(
        request, flow, code, template="diagnostics/assisted_section.html", context={}
    )


@login_required
def assisted_finish(
    request: HttpRequest, office_slug: str, campaign_id: int, provider_id: int
) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    flow = _assisted_flow(request, access, campaign_id, provider_id)
    return finish_page(request, flow, template="diagnostics/assisted_finish.html", context={})


# --- Questionnaire versions ---------------------------------------------------------------


def _version(access: OfficeAccess, version_id: int):
    return get_object_or_404(versions.visible_versions(access.office), pk=version_id)


@login_required
def version_list(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug)
    versions.ensure_default_version()
    listed = (
        versions.visible_versions(access.office)
        # A shared version serves every office: count this office's campaigns only.
        .annotate(campaign_count=Count("campaigns", filter=Q(campaigns__office=access.office)))
        .order_by("questionnaire__office", "questionnaire__title", "-number")
    )
    shared = [v for v in listed if v.questionnaire.office_id is None]
    own = [v for v in listed if v.questionnaire.office_id is not None]
    return render(
        request,
        "diagnostics/version_list.html",
        {"shared": shared, "own": own, "upload_form": forms.VersionUploadForm()},
    )


@login_required
def version_detail(request: HttpRequest, office_slug: str, version_id: int) -> HttpResponse:
    """A version as a printable list of its questions, options, points and conditions."""
    access = office_access(request, office_slug)
    version = _version(access, version_id)
    definition = version.parsed
    sections = [
        {
            "section": section,
            "condition": forms.describe_condition(section.when, definition),
            "questions": [
                (question, forms.describe_condition(question.when, definition))
                for question in section.questions
            ],
        }
        for section in definition.sections
    ]
    rules = [
        (rule, forms.describe_condition(rule.when, definition))
        for rule in definition.recommendations
    ]
    context = {
        "version": version,
        "definition": definition,
        "sections": sections,
        "rules": rules,
        "question_count": len(definition.questions),
    }
    return render(request, "diagnostics/version_detail.html", context)


@login_required
def version_download(request: HttpRequest, office_slug: str, version_id: int) -> HttpResponse:
    """The version as a YAML file, to adapt and upload again as a new draft."""
    access = office_access(request, office_slug)
    version = _version(access, version_id)
    text = yaml.safe_dump(version.definition, allow_unicode=True, sort_keys=False, width=100)
    response = HttpResponse(text, content_type="application/yaml; charset=utf-8")
    filename = f"questionnaire-{version.questionnaire.code}-v{version.number}.yaml"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_POST
def version_copy(request: HttpRequest, office_slug: str, version_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    version = _version(access, version_id)
    try:
        copy = versions.copy_version(version=version, office=access.office, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("diagnostics:version_list", access.office.slug)
    messages.success(
        request,
        _(
            "Brouillon %(number)s créé. Téléchargez-le, adaptez-le, puis importez le fichier ; "
            "publiez la version retenue."
        )
        % {"number": copy.number},
    )
    return redirect("diagnostics:version_detail", access.office.slug, copy.pk)


@login_required
@require_POST
def version_publish(request: HttpRequest, office_slug: str, version_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    version = _version(access, version_id)
    try:
        versions.publish_version(version=version)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "Version %(number)s publiée : elle ne changera plus et vos campagnes peuvent "
                "l'utiliser."
            )
            % {"number": version.number},
        )
    return redirect("diagnostics:version_detail", access.office.slug, version.pk)


@login_required
def version_upload(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    form = forms.VersionUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = versions.import_version_file(
                office=access.office, user=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            for message in error.messages[:30]:
                form.add_error("file", message)
        else:
            messages.success(
                request,
                _("Brouillon %(number)s importé. Relisez-le, puis publiez-le.")
                % {"number": version.number},
            )
            return redirect("diagnostics:version_detail", access.office.slug, version.pk)
    return render(request, "diagnostics/version_upload.html", {"form": form})
