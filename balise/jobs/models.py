"""What lets background work survive a killed worker: heartbeats and the mail outbox.

See :mod:`.lease` (a task whose worker stopped beating is queued again) and
:mod:`.outbox` (an e-mail is claimed before it is sent, so a resumed task never sends it
twice).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from balise.offices.models import Office


class WorkerHeartbeat(models.Model):
    """A live ``balise db_worker`` process: it refreshes ``seen_at`` every few seconds.

    A task marked running by a worker whose row is missing or older than the lease
    (``settings.BALISE_TASK_LEASE``) was left behind by a dead process. A worker that
    stops normally deletes its row.
    """

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField()
    queues = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(db_index=True)
    # The task it runs now (empty when idle): shown in the admin, for the operator.
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("worker en activité")
        verbose_name_plural = _("workers en activité")

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.hostname}:{self.pid})"


class OutboxMessage(models.Model):
    """An e-mail claimed for sending and whose outcome is not recorded yet.

    The row is committed with the stamp that marks the message as sent (an invitation's
    ``sent_at``…) before the mail server is contacted, and deleted once the outcome is
    known: sent (the stamp stays) or refused (the stamp is undone). A row still here after
    ``outbox.UNCERTAIN_AFTER`` belongs to a process that died while sending: the message
    may or may not have left. It is never sent again on its own; the operator checks the
    mail server's log and deletes the row. No address is kept here: the object it was
    about (``kind``, ``object_id``) holds it.
    """

    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("nature"), max_length=60)
    object_id = models.PositiveBigIntegerField(_("objet"))
    claimed_at = models.DateTimeField(_("envoi commencé le"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("e-mail en cours d'envoi")
        verbose_name_plural = _("e-mails en cours d'envoi")
        indexes = [models.Index(fields=["kind", "object_id"], name="jobs_outbox_object")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id}"
