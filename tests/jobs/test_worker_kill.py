"""A worker killed (``kill -9``) while it mails a campaign's invitations loses nothing.

A real worker process mails the invitations through a slow mail server (one file per
message, then a pause), is killed in the middle, and a second worker started after the
lease resumes the task: every invitation leaves exactly once, the one being sent at the
moment of the kill included (its file was written: the server took it), that one is the
only claim left for an operator to check, and the task ends successful. On the database
queue (SQLite and PostgreSQL) and on Redis.
"""

import time
from collections import Counter

import pytest
from django_tasks_db.compat import TaskResultStatus

from balise.diagnostics import invitations, tasks
from balise.diagnostics.models import Invitation
from balise.jobs.models import OutboxMessage
from tests.diagnostics.factories import CampaignFactory
from tests.factories import ProviderFactory
from tests.mailboxes import delivered
from tests.subprocesses import SharedDatabase, kill_hard, wait_for

PROVIDERS = 12
LEASE = 2  # seconds, for the child processes
BOOT = 180  # seconds a child may take to start and finish: generous for a loaded machine


@pytest.fixture
def campaign(office):
    campaign = CampaignFactory(office=office)
    for n in range(PROVIDERS):
        ProviderFactory(office=office, email=f"prestataire{n:02}@example.org")
    invitations.invite(campaign=campaign)
    return campaign


def kill_mid_run_then_resume(tmp_path, campaign, *, worker: list[str], resume: list[str], **env):
    maildir = tmp_path / "mail"
    maildir.mkdir()
    env = {
        "BALISE_EMAIL_BACKEND": "tests.mailboxes.SlowFileBackend",
        "BALISE_TEST_MAILDIR": str(maildir),
        "BALISE_TEST_MAIL_DELAY": "0.3",
        "BALISE_TASK_LEASE": str(LEASE),
        **env,
    }
    result = tasks.send_invitations.enqueue(campaign.pk)
    with SharedDatabase(tmp_path, **env) as db:
        first = db.start(*worker, log="first")
        wait_for(
            lambda: first.poll() is not None or len(delivered(maildir)) >= 4,
            timeout=BOOT,
            what="the first worker to mail a few invitations",
        )
        assert first.poll() is None, db.log("first")
        kill_hard(first)
        assert len(delivered(maildir)) < PROVIDERS, "the kill came after the last invitation"
        time.sleep(LEASE + 1)  # the dead worker's heartbeat goes stale
        second = db.start(*resume, log="second")
        second.wait(timeout=BOOT)
        assert second.returncode == 0, db.log("second")
    counts = Counter(delivered(maildir))
    addresses = set(Invitation.objects.values_list("provider__email", flat=True))
    assert set(counts) == addresses and set(counts.values()) == {1}, counts
    assert not Invitation.objects.filter(sent_at__isnull=True).exists()
    # The message in flight at the kill: reported for a check, not resent.
    claims = list(OutboxMessage.objects.all())
    assert len(claims) <= 1
    return result.id


@pytest.mark.django_db(transaction=True)
def test_a_killed_database_worker_is_resumed(tmp_path, campaign, database_queue):
    from django_tasks_db.models import DBTaskResult

    options = ["db_worker", "--no-reload", "--no-startup-delay", "--interval=0.2"]
    task_id = kill_mid_run_then_resume(
        tmp_path,
        campaign,
        worker=options,
        resume=[*options, "--batch"],
        BALISE_TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        REDIS_URL="",
    )
    task = DBTaskResult.objects.get(pk=task_id)
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert len(task.worker_ids) == 2  # the killed worker, then the one that resumed
