"""The import wizard's work on a batch: reading for the preview, writing on confirmation.

Writing always runs in the background (``tasks.run_import``), and so does reading a big
file: the browser follows the batch's progress and no request waits for minutes. A
small file is read within the request, which shows its preview at once.

A job is safe to run again (a worker killed mid-run, a task delivered twice): it starts
over from the stored file, computes the plan again, and writes in one transaction after
checking, on the locked batch row, that the batch still waits for that job. A job that
died mid-write wrote nothing; one that committed left the batch applied, and a second
run then does nothing.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from . import imports
from .importers.rejected import write_rejected
from .models import ImportBatch

logger = logging.getLogger(__name__)

# Shown rows of the preview (the counts cover every record).
PREVIEW_ROWS = 500
# How often a job stores its progress, in records.
PROGRESS_EVERY = 250

Status = ImportBatch.Status


def reads_in_background(batch: ImportBatch) -> bool:
    """Whether the preview of ``batch`` is computed by a background job."""
    return batch.file.size > settings.BALISE_IMPORT_INLINE_BYTES


def _paths(batch: ImportBatch) -> list[Path]:
    return [Path(batch.file.path)]


def compute_plan(batch: ImportBatch, *, progress: bool = False) -> imports.ImportPlan:
    """Read the batch's file and plan its import.

    Side effects: with ``progress``, ``progress_done`` grows as records are read (an
    update of that column only, seen by the progress page). Raises ImportFileError.
    """
    records = []
    for count, record in enumerate(
        imports.iter_records(
            format=batch.format, paths=_paths(batch), office=batch.office, options=batch.options
        ),
        1,
    ):
        records.append(record)
        if progress and count % PROGRESS_EVERY == 0:
            ImportBatch.objects.filter(pk=batch.pk).update(progress_done=count)
    if progress:
        ImportBatch.objects.filter(pk=batch.pk).update(progress_done=len(records))
    return imports.plan_import(
        office=batch.office, records=records, new_status=batch.options.get("new_status")
    )


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


def preview_summary(plan: imports.ImportPlan) -> dict:
    """What the preview page shows, as JSON: the counts and the first rows worth reading
    (every row but the unchanged ones without a message)."""
    rows = []
    for row in plan.rows:
        if row.action == "unchanged" and not row.messages:
            continue
        record = row.record
        details = [*row.messages, *record.errors]
        if record.skip_reason:
            details.append(record.skip_reason)
        rows.append(
            {
                "locator": record.locator,
                "name": record.name,
                "action": row.action,
                "details": [str(detail) for detail in details],
                "changes": [
                    [field, _shown(old), _shown(new)] for field, (old, new) in row.changes.items()
                ],
            }
        )
        if len(rows) >= PREVIEW_ROWS:
            break
    return {
        "counts": plan.counts,
        "records": len(plan.rows),
        "valid": plan.valid_count,
        "rows": rows,
    }


def _save_rejected(batch: ImportBatch, plan: imports.ImportPlan) -> None:
    """Store the records in error as a spreadsheet (or forget an older one)."""
    if batch.rejected_file:
        batch.rejected_file.delete(save=False)
    if plan.has_errors:
        content = ContentFile(b"")
        write_rejected(
            content,
            rows=plan.rows,
            format=batch.format,
            paths=_paths(batch),
            spreadsheet=batch.format in imports.SPREADSHEET_FORMATS,
            delimiter=batch.options.get("delimiter"),
        )
        stem = Path(batch.filename).stem[:80] or "import"
        batch.rejected_file.save(f"{stem}-rejets.xlsx", content, save=False)


def store_preview(batch: ImportBatch, plan: imports.ImportPlan) -> None:
    """Keep the preview of ``plan`` on the batch, which then waits for confirmation.

    Side effects: the batch's summary, rejected file, progress and status (PREVIEWED).
    """
    _save_rejected(batch, plan)
    batch.summary = {"preview": preview_summary(plan)}
    batch.status = Status.PREVIEWED
    batch.progress_done = batch.progress_total = len(plan.rows)
    batch.save(
        update_fields=["summary", "rejected_file", "status", "progress_done", "progress_total"]
    )


def forget_preview(batch: ImportBatch) -> None:
    """Drop a stored preview (the options it was computed with have changed)."""
    if "preview" in batch.summary:
        batch.summary = {key: value for key, value in batch.summary.items() if key != "preview"}
        batch.save(update_fields=["summary"])


def fail(batch: ImportBatch, message: str) -> None:
    """Mark the batch failed with ``message`` (French, for the office)."""
    ImportBatch.objects.filter(pk=batch.pk).update(status=Status.FAILED, summary={"error": message})
    batch.status, batch.summary = Status.FAILED, {"error": message}


def _enqueue(batch: ImportBatch) -> None:
    from . import tasks  # tasks import this module

    transaction.on_commit(lambda: tasks.run_import.enqueue(batch.pk))


def start_reading(batch: ImportBatch) -> None:
    """Queue the reading of the batch's file for its preview.

    Side effects: the batch goes READING with its progress reset; the task
    ``tasks.run_import`` is queued once the transaction commits.
    """
    batch.status = Status.READING
    batch.progress_done = 0
    batch.progress_total = batch.options.get("rows", 0)
    batch.save(update_fields=["status", "progress_done", "progress_total"])
    _enqueue(batch)


def start_applying(batch: ImportBatch, *, skip_invalid: bool = False) -> bool:
    """Queue the import of a previewed batch; False if it was not waiting (a double
    click, another tab): nothing is queued twice.

    Side effects: the batch goes APPLYING, its options say ``skip_invalid``; the task
    ``tasks.run_import`` is queued once the transaction commits.
    """
    options = {**batch.options, "skip_invalid": skip_invalid}
    preview = batch.summary.get("preview", {})
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=Status.PREVIEWED).update(
        status=Status.APPLYING,
        options=options,
        progress_done=0,
        progress_total=preview.get("records", 0),
    )
    if not claimed:
        return False
    batch.refresh_from_db()
    _enqueue(batch)
    return True


def run(batch_id: int) -> str:
    """The background job: read, plan, then store the preview or write the import.

    Returns the batch's status afterwards ("" when the batch is gone). Side effects:
    progress updates; then, on the locked batch row still waiting for this job, either
    the preview (see store_preview) or the import itself (imports.apply_import, which
    marks the batch applied) and its rejected records. An unreadable file or a refused
    import marks the batch failed, with nothing written. An unexpected error does too,
    then is raised again for the task's own record.
    """
    batch = ImportBatch.objects.select_related("office").filter(pk=batch_id).first()
    if batch is None:
        return ""
    if batch.status not in (Status.READING, Status.APPLYING):
        return batch.status
    expected = batch.status
    ImportBatch.objects.filter(pk=batch.pk).update(progress_done=0)
    try:
        plan = compute_plan(batch, progress=True)
        with transaction.atomic():
            locked = (
                ImportBatch.objects.select_for_update().select_related("office").get(pk=batch.pk)
            )
            if locked.status != expected:
                return locked.status
            if expected == Status.READING:
                store_preview(locked, plan)
            else:
                imports.apply_import(
                    office=locked.office,
                    plan=plan,
                    batch=locked,
                    skip_invalid=bool(locked.options.get("skip_invalid")),
                )
                _save_rejected(locked, plan)
                locked.save(update_fields=["rejected_file"])
            return locked.status
    except (imports.ImportFileError, imports.ImportRejected) as error:
        fail(batch, str(error))
        return Status.FAILED
    except Exception:
        logger.exception("import: batch %s failed", batch.pk)
        fail(
            batch,
            _(
                "L'import s'est interrompu sur une erreur inattendue : rien n'a été "
                "enregistré. Réessayez ; si l'erreur persiste, prévenez l'administrateur."
            ),
        )
        raise
