"""Directory pages: list, detail, create, edit, archive, exports, and the import wizard.

Views stay thin: access → form → service → response. Import parsing and matching live
in ``imports.py``; exports in ``exports.py``.
"""

import io
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from balise.lib.access import get_for_office, office_access

from . import exports, imports
from .filters import ProviderFilterForm
from .forms import ColumnMappingForm, ImportStartForm, ProviderForm
from .models import Category, ImportBatch, MembershipStatus, Provider, choice_labels
from .services import save_provider

PAGE_SIZE = 50
SPREADSHEET_FORMATS = {"csv", "xlsx"}


@login_required
def provider_list(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug)
    filters = ProviderFilterForm(request.GET or None, office=access.office)
    providers = filters.filter().for_list()
    page = Paginator(providers, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filters": filters,
        "page_obj": page,
        "providers": page.object_list,
        "category_labels": choice_labels(Category),
        "status_labels": choice_labels(MembershipStatus),
    }
    # HTMX live filtering swaps only the results; the full page works without JavaScript.
    template = (
        "members/_provider_results.html"
        if request.headers.get("HX-Request")
        else "members/provider_list.html"
    )
    return render(request, template, context)


def _filtered_for_export(request: HttpRequest, office_slug: str):
    access = office_access(request, office_slug)
    filters = ProviderFilterForm(request.GET or None, office=access.office)
    return access, filters.filter()


def _export_filename(access, extension: str) -> str:
    return f"prestataires-{access.office.slug}-{timezone.localdate():%Y-%m-%d}.{extension}"


@login_required
def provider_export_csv(request: HttpRequest, office_slug: str) -> StreamingHttpResponse:
    access, providers = _filtered_for_export(request, office_slug)
    response = StreamingHttpResponse(
        exports.csv_lines(providers), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_filename(access, "csv")}"'
    return response


@login_required
def provider_export_xlsx(request: HttpRequest, office_slug: str) -> HttpResponse:
    access, providers = _filtered_for_export(request, office_slug)
    buffer = io.BytesIO()
    exports.xlsx_workbook(providers).save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_filename(access, "xlsx")}"'
    return response


@login_required
def provider_detail(request: HttpRequest, office_slug: str, provider_id: int) -> HttpResponse:
    access = office_access(request, office_slug)
    provider = get_for_office(
        access,
        Provider.objects.select_related("commune").prefetch_related("labels", "tags", "source_ids"),
        pk=provider_id,
    )
    latest_audit = provider.site_audits.order_by("-fetched_at", "-pk").first()
    return render(
        request,
        "members/provider_detail.html",
        {"provider": provider, "latest_audit": latest_audit},
    )


def _save_form(request: HttpRequest, form: ProviderForm, previous_consent: bool | None) -> Provider:
    return save_provider(
        provider=form.save(commit=False),
        previous_consent=previous_consent,
        consent_source=_("saisie par %(user)s") % {"user": request.user.email},
        insee_code=form.cleaned_data["insee_code"],
        labels=form.labels,
        tags=form.tags,
    )


@login_required
def provider_create(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    form = ProviderForm(request.POST or None, instance=Provider(office=access.office))
    if request.method == "POST" and form.is_valid():
        provider = _save_form(request, form, previous_consent=None)
        messages.success(
            request, _("« %(name)s » est ajouté à l'annuaire.") % {"name": provider.name}
        )
        return redirect("members:provider_detail", access.office.slug, provider.pk)
    return render(request, "members/provider_form.html", {"form": form, "provider": None})


@login_required
def provider_edit(request: HttpRequest, office_slug: str, provider_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    provider = get_for_office(
        access,
        Provider.objects.select_related("commune").prefetch_related("labels", "tags"),
        pk=provider_id,
    )
    previous_consent = provider.marketing_consent
    form = ProviderForm(request.POST or None, instance=provider)
    if request.method == "POST" and form.is_valid():
        _save_form(request, form, previous_consent=previous_consent)
        messages.success(request, _("Fiche enregistrée."))
        return redirect("members:provider_detail", access.office.slug, provider.pk)
    return render(request, "members/provider_form.html", {"form": form, "provider": provider})


@login_required
@require_POST
def provider_archive(request: HttpRequest, office_slug: str, provider_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    provider = get_for_office(access, Provider, pk=provider_id)
    if not provider.is_archived:
        provider.archive()
    messages.success(
        request,
        _("« %(name)s » est archivé : il n'apparaît plus dans la liste ni dans les campagnes.")
        % {"name": provider.name},
    )
    return redirect("members:provider_detail", access.office.slug, provider.pk)


@login_required
@require_POST
def provider_restore(request: HttpRequest, office_slug: str, provider_id: int) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    provider = get_for_office(access, Provider, pk=provider_id)
    if provider.is_archived:
        provider.restore()
    messages.success(request, _("« %(name)s » est de nouveau actif.") % {"name": provider.name})
    return redirect("members:provider_detail", access.office.slug, provider.pk)


# --- Import wizard: upload → (columns for spreadsheets) → preview → apply -------------


@login_required
def import_start(request: HttpRequest, office_slug: str) -> HttpResponse:
    access = office_access(request, office_slug, need="edit")
    form = ImportStartForm(
        request.POST or None,
        request.FILES or None,
        formats=imports.FORMATS,
        max_bytes=settings.BALISE_IMPORT_MAX_BYTES,
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = ImportBatch.objects.create(
            office=access.office,
            created_by=request.user,
            format=form.cleaned_data["format"],
            filename=Path(upload.name).name[:255],
            file=upload,
            options={"new_status": form.cleaned_data["new_status"]},
        )
        if batch.format in SPREADSHEET_FORMATS:
            return redirect("members:import_mapping", access.office.slug, batch.pk)
        return redirect("members:import_preview", access.office.slug, batch.pk)
    batches = ImportBatch.objects.filter(office=access.office).select_related("created_by")[:10]
    return render(request, "members/import_start.html", {"form": form, "batches": batches})


def _open_batch(request: HttpRequest, office_slug: str, batch_id: int):
    access = office_access(request, office_slug, need="edit")
    batch = get_for_office(access, ImportBatch, pk=batch_id)
    return access, batch


@login_required
def import_mapping(request: HttpRequest, office_slug: str, batch_id: int) -> HttpResponse:
    access, batch = _open_batch(request, office_slug, batch_id)
    if batch.status != ImportBatch.Status.PREVIEWED or batch.format not in SPREADSHEET_FORMATS:
        return redirect("members:import_result", access.office.slug, batch.pk)
    try:
        sheet = imports.inspect_spreadsheet(format=batch.format, path=Path(batch.file.path))
    except imports.ImportFileError as error:
        return _import_failed(request, access, batch, str(error))
    form = ColumnMappingForm(
        request.POST or None,
        headers=sheet.headers,
        choices=imports.MAPPABLE_FIELDS,
        suggested=batch.options.get("mapping") or sheet.suggested_mapping,
    )
    if request.method == "POST" and form.is_valid():
        batch.options = {**batch.options, "mapping": form.mapping}
        batch.save(update_fields=["options"])
        return redirect("members:import_preview", access.office.slug, batch.pk)
    columns = [
        (form[f"col_{index}"], [row[index] for row in sheet.sample_rows if index < len(row)])
        for index in range(len(sheet.headers))
    ]
    return render(
        request,
        "members/import_mapping.html",
        {"batch": batch, "form": form, "columns": columns, "sheet": sheet},
    )


def _import_failed(request, access, batch: ImportBatch, message: str) -> HttpResponse:
    batch.status = ImportBatch.Status.FAILED
    batch.summary = {"error": message}
    batch.save(update_fields=["status", "summary"])
    return render(request, "members/import_result.html", {"batch": batch}, status=400)


def _plan(access, batch: ImportBatch):
    records = imports.read_records(
        format=batch.format,
        paths=[Path(batch.file.path)],
        office=access.office,
        options=batch.options,
    )
    return imports.plan_import(
        office=access.office, records=records, new_status=batch.options.get("new_status")
    )


@login_required
def import_preview(request: HttpRequest, office_slug: str, batch_id: int) -> HttpResponse:
    """Show what the import would do; write only when the animator confirms (POST)."""
    access, batch = _open_batch(request, office_slug, batch_id)
    if batch.status != ImportBatch.Status.PREVIEWED:
        return redirect("members:import_result", access.office.slug, batch.pk)
    try:
        # The plan is computed again on confirmation: the directory may have changed
        # since the preview, and the stored file is the single source of truth.
        plan = _plan(access, batch)
    except imports.ImportFileError as error:
        return _import_failed(request, access, batch, str(error))
    if request.method == "POST":
        if "cancel" in request.POST:
            batch.status = ImportBatch.Status.CANCELLED
            batch.save(update_fields=["status"])
            messages.info(request, _("Import abandonné : rien n'a été modifié."))
            return redirect("members:import_start", access.office.slug)
        try:
            imports.apply_import(office=access.office, plan=plan, user=request.user, batch=batch)
        except imports.ImportRejected as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Import terminé."))
            return redirect("members:import_result", access.office.slug, batch.pk)
    # An unchanged row with a warning (a commune not found...) is still worth reading.
    shown = [row for row in plan.rows if row.action != "unchanged" or row.messages][:500]
    return render(
        request,
        "members/import_preview.html",
        {"batch": batch, "plan": plan, "rows": shown, "field_labels": imports.FIELD_LABELS},
    )


@login_required
def import_result(request: HttpRequest, office_slug: str, batch_id: int) -> HttpResponse:
    access = office_access(request, office_slug)
    batch = get_for_office(access, ImportBatch, pk=batch_id)
    return render(request, "members/import_result.html", {"batch": batch})
