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
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from balise.lib.access import get_for_office, office_access

from . import exports, import_batches, imports
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
        max_records=imports.max_records(),
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
        batch.options = {**batch.options, "mapping": form.mapping, "rows": sheet.row_count}
        batch.save(update_fields=["options"])
        import_batches.forget_preview(batch)
        return redirect("members:import_preview", access.office.slug, batch.pk)
    columns = [
        (form[f"col_{index}"], [row[index] for row in sheet.sample_rows if index < len(row)])
        for index in range(len(sheet.headers))
    ]
    return render(
        request,
        "members/import_mapping.html",
        {
            "batch": batch,
            "form": form,
            "columns": columns,
            "sheet": sheet,
            "max_records": imports.max_records(),
        },
    )


def _import_failed(request, access, batch: ImportBatch, message: str) -> HttpResponse:
    import_batches.fail(batch, message)
    return render(request, "members/import_result.html", {"batch": batch}, status=400)


@login_required
def import_preview(request: HttpRequest, office_slug: str, batch_id: int) -> HttpResponse:
    """Show what the import would do; queue the import when the animator confirms (POST).

    A big file is read in the background first: the page then follows its progress.
    """
    access, batch = _open_batch(request, office_slug, batch_id)
    if batch.status != ImportBatch.Status.PREVIEWED:
        return redirect("members:import_result", access.office.slug, batch.pk)
    if request.method == "POST" and "cancel" in request.POST:
        batch.status = ImportBatch.Status.CANCELLED
        batch.save(update_fields=["status"])
        messages.info(request, _("Import abandonné : rien n'a été modifié."))
        return redirect("members:import_start", access.office.slug)
    preview = batch.summary.get("preview")
    if preview is None:
        if import_batches.reads_in_background(batch):
            import_batches.start_reading(batch)
            return redirect("members:import_result", access.office.slug, batch.pk)
        try:
            import_batches.store_preview(batch, import_batches.compute_plan(batch))
        except imports.ImportFileError as error:
            return _import_failed(request, access, batch, str(error))
        preview = batch.summary["preview"]
    has_errors = preview["counts"].get("error", 0) > 0
    if request.method == "POST":
        # The plan is computed again by the job: the directory may have changed since
        # the preview, and the stored file is the single source of truth.
        skip_invalid = "skip_invalid" in request.POST and preview["valid"] > 0
        if has_errors and not skip_invalid:
            messages.error(request, _("Le fichier contient des erreurs : rien n'a été importé."))
        else:
            if import_batches.start_applying(batch, skip_invalid=skip_invalid):
                messages.info(request, _("Import lancé : la progression s'affiche ci-dessous."))
            return redirect("members:import_result", access.office.slug, batch.pk)
    return render(
        request,
        "members/import_preview.html",
        {
            "batch": batch,
            "preview": preview,
            "has_errors": has_errors,
            "field_labels": imports.FIELD_LABELS,
        },
    )


@login_required
def import_result(request: HttpRequest, office_slug: str, batch_id: int) -> HttpResponse:
    """The batch's outcome, or its progress while a job reads or writes it."""
    access = office_access(request, office_slug)
    batch = get_for_office(access, ImportBatch, pk=batch_id)
    return render(request, "members/import_result.html", {"batch": batch})


@login_required
def import_progress(request: HttpRequest, office_slug: str, batch_id: int) -> HttpResponse:
    """The progress partial, polled by HTMX; once the job is over, the page reloads to
    show its outcome. Without JavaScript, the full page instead."""
    access = office_access(request, office_slug)
    batch = get_for_office(access, ImportBatch, pk=batch_id)
    if not request.headers.get("HX-Request"):
        return redirect("members:import_result", access.office.slug, batch.pk)
    response = render(request, "members/_import_progress.html", {"batch": batch})
    if not batch.running:
        response["HX-Refresh"] = "true"
    return response


@login_required
def import_rejected(request: HttpRequest, office_slug: str, batch_id: int) -> HttpResponse:
    """The records the import leaves out, with the reason, as a spreadsheet."""
    _access, batch = _open_batch(request, office_slug, batch_id)
    if not batch.rejected_file:
        raise Http404
    return FileResponse(
        batch.rejected_file.open("rb"),
        as_attachment=True,
        filename=f"{Path(batch.filename).stem}-rejets.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
