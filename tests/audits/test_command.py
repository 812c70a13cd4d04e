"""``balise audit_sites``: one office, one provider, the due monthly schedules."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from balise.audits.models import AuditRun, AuditSchedule, RunStatus, SiteAudit
from tests.factories import ProviderFactory

from .test_services import UNREACHABLE, fast_fetch  # noqa: F401 - fixture


def run(*args) -> str:
    out, err = StringIO(), StringIO()
    call_command("audit_sites", *args, stdout=out, stderr=err)
    return out.getvalue()


@pytest.fixture
def sites(office, http_server):
    return [
        ProviderFactory(office=office, website=f"{http_server}/ok"),
        ProviderFactory(office=office, website=UNREACHABLE),
    ]


@pytest.mark.usefixtures("fast_fetch")
def test_office(office, sites):
    out = run("--office", office.slug)
    run_ = AuditRun.objects.get(office=office)
    assert (run_.status, run_.done, run_.total) == (RunStatus.DONE, 2, 2)
    assert "haut-vallon : 2/2 sites audités." in out
    assert "1 site(s) injoignable(s)" in out and " ok, " in out and "à améliorer" in out


@pytest.mark.usefixtures("fast_fetch")
def test_one_provider(office, sites):
    out = run("--office", office.slug, "--provider", str(sites[0].pk))
    assert SiteAudit.objects.get().provider == sites[0]
    assert "0 site(s) injoignable(s)" in out


@pytest.mark.usefixtures("fast_fetch")
def test_provider_of_another_office_is_refused(office, other_office):
    foreign = ProviderFactory(office=other_office, website="https://x.example")
    with pytest.raises(CommandError, match="inconnu"):
        run("--office", office.slug, "--provider", str(foreign.pk))
    assert not SiteAudit.objects.exists()


def test_bad_arguments(db):
    with pytest.raises(CommandError, match="--office"):
        run()
    with pytest.raises(CommandError, match="Office inconnu"):
        run("--office", "nulle-part")


@pytest.mark.usefixtures("fast_fetch")
def test_due(office, sites):
    AuditSchedule.objects.create(office=office, monthly=True)
    assert "2/2 sites audités" in run("--due")
    assert "Aucun audit mensuel n'est dû." in run("--due")
    assert AuditRun.objects.count() == 1
