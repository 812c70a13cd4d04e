"""Consent records: written whenever a provider's marketing consent changes, whatever the
path (staff form, API, import wizard, plain save), shown on the consent page."""

import json

import pytest
from django.utils import timezone

from balise.api.models import ApiToken
from balise.members import imports
from balise.members.models import ImportBatch, Provider
from balise.privacy import consent
from balise.privacy.models import ConsentRecord
from tests.factories import ProviderFactory

from .rich_provider import url

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Gîte Les Micocouliers",
    "category": "meuble",
    "membership_status": "adherent",
    "city": "Anduze",
    "insee_code": "30010",
    "email": "gite@example.org",
}


def history(provider):
    return list(
        ConsentRecord.objects.filter(provider=provider)
        .order_by("id")
        .values_list("given", "source", "by_user__email")
    )


def test_staff_form_records_consent_given_then_withdrawn_with_the_user(
    client_for, animator, office
):
    client = client_for(animator)
    client.post(url(office, "members:provider_create"), {**FORM, "marketing_consent": "on"})
    provider = Provider.objects.get(office=office)
    [(given, source, _by)] = history(provider)
    assert given is True and animator.email in source

    client.post(url(office, "members:provider_edit", provider_id=provider.pk), FORM)
    provider.refresh_from_db()
    assert provider.marketing_consent is False
    assert [row[0] for row in history(provider)] == [True, False]
    withdrawn = ConsentRecord.objects.filter(provider=provider).order_by("id").last()
    assert withdrawn.office == office
    # The audit trail's request context (when installed) names the staff member.
    try:
        import balise.trail.context  # noqa: F401
    except ImportError:
        return
    assert withdrawn.by_user == animator


def test_an_edit_that_keeps_the_consent_writes_nothing(client_for, animator, office):
    provider = ProviderFactory(office=office, marketing_consent=True)
    assert len(history(provider)) == 1
    client_for(animator).post(
        url(office, "members:provider_edit", provider_id=provider.pk),
        {**FORM, "marketing_consent": "on", "name": "Nouveau nom"},
    )
    provider.refresh_from_db()
    assert provider.name == "Nouveau nom"
    assert len(history(provider)) == 1
    provider.archive()  # update_fields without the consent
    assert len(history(provider)) == 1


def test_api_records_consent_given_and_withdrawn(animator, office, client):
    from django.test import Client

    _token, raw = ApiToken.issue(user=animator, name="tests")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    provider = ProviderFactory(office=office)
    endpoint = f"/api/v1/offices/{office.slug}/providers/{provider.pk}"
    response = api.patch(
        endpoint, json.dumps({"marketing_consent": True}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    api.patch(endpoint, json.dumps({"marketing_consent": False}), content_type="application/json")
    rows = history(provider)
    assert rows[0][:2] == (True, "API")
    assert [row[0] for row in rows] == [True, False]


def test_import_wizard_records_consents_written_in_bulk(office, tmp_path):
    path = tmp_path / "membres.csv"
    path.write_text(
        "Nom;Commune;Code INSEE;Consentement\n"
        "Hôtel du Gardon;Anduze;30010;oui\n"
        "Le Mas Bleu;Anduze;30010;non\n",
        encoding="utf-8",
    )
    batch = ImportBatch.objects.create(
        office=office, format="csv", filename="membres.csv", file="imports/membres.csv"
    )
    records = imports.read_records(format="csv", paths=[path], office=office)
    imports.apply_import(
        office=office, plan=imports.plan_import(office=office, records=records), batch=batch
    )
    hotel = Provider.objects.get(name="Hôtel du Gardon")
    mas = Provider.objects.get(name="Le Mas Bleu")
    assert history(hotel) == [(True, "Import du fichier « membres.csv »", None)]
    assert history(mas) == []

    # A second file withdraws the hotel's consent.
    path.write_text(
        "Nom;Commune;Code INSEE;Consentement\nHôtel du Gardon;Anduze;30010;non\n",
        encoding="utf-8",
    )
    batch2 = ImportBatch.objects.create(
        office=office, format="csv", filename="retrait.csv", file="imports/retrait.csv"
    )
    records = imports.read_records(format="csv", paths=[path], office=office)
    imports.apply_import(
        office=office, plan=imports.plan_import(office=office, records=records), batch=batch2
    )
    assert history(hotel)[-1] == (False, "Import du fichier « retrait.csv »", None)


def test_reconcile_catches_bulk_writes_once(office):
    provider = ProviderFactory(office=office)
    at = timezone.now() - timezone.timedelta(days=10)
    Provider.objects.filter(pk=provider.pk).update(
        marketing_consent=True, marketing_consent_at=at, marketing_consent_source="Salon 2025"
    )
    assert consent.reconcile(Provider.objects.filter(office=office)) == 1
    assert consent.reconcile(Provider.objects.filter(office=office)) == 0
    record = ConsentRecord.objects.get(provider=provider)
    assert (record.given, record.at, record.source) == (True, at, "Salon 2025")


def test_consent_page_shows_the_history_to_every_role(client_for, reader, office):
    provider = ProviderFactory(
        office=office, marketing_consent=True, marketing_consent_source="Formulaire salon"
    )
    provider.marketing_consent = False
    provider.save()
    response = client_for(reader).get(
        url(office, "privacy:consent_history", provider_id=provider.pk)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Formulaire salon" in page and "retiré" in page and "donné" in page


def test_provider_detail_links_to_consent_export_and_erasure(
    client_for, admin_user, reader, office
):
    provider = ProviderFactory(office=office)
    detail = url(office, "members:provider_detail", provider_id=provider.pk)
    page = client_for(admin_user).get(detail).content.decode()
    assert url(office, "privacy:consent_history", provider_id=provider.pk) in page
    assert url(office, "privacy:provider_export", provider_id=provider.pk) in page
    assert url(office, "privacy:provider_erase", provider_id=provider.pk) in page
    page = client_for(reader).get(detail).content.decode()
    assert url(office, "privacy:consent_history", provider_id=provider.pk) in page
    assert url(office, "privacy:provider_erase", provider_id=provider.pk) not in page
