"""The provider's fields are declared once: the form, the import and the RGPD export follow."""

import json
import re

import pytest
from django.urls import reverse

from balise.members.fields import EDITED_FIELDS, IMPORTED_FIELDS, PROVIDER_FIELDS, Kind
from balise.members.forms import ProviderForm
from balise.members.imports import MAPPABLE_FIELDS
from balise.members.models import Provider

from ..factories import ProviderFactory


def test_every_column_of_a_provider_is_declared():
    model = {f.name for f in [*Provider._meta.concrete_fields, *Provider._meta.many_to_many]}
    declared = {f.name for f in PROVIDER_FIELDS if f.kind in (Kind.COLUMN, Kind.NAMES)}
    assert declared <= model
    # The commune is declared as its INSEE code, the social links one network at a time.
    assert model - declared == {
        "id",
        "office",
        "normalized_name",
        "search_text",
        "commune",
        "social_links",
    }


@pytest.mark.django_db
def test_the_edit_form_shows_each_declared_field_in_its_group(client_for, animator, office):
    page = client_for(animator).get(reverse("members:provider_create", args=[office.slug]))
    html = page.content.decode()
    fieldsets = {
        re.search(r"<legend>(.*?)</legend>", fieldset).group(1): fieldset
        for fieldset in re.findall(r"<fieldset.*?</fieldset>", html, re.S)
    }
    assert list(fieldsets) == [
        "Identité",
        "Adresse",
        "Contacts",
        "Réseaux sociaux",
        "Adhésion, consentement et suivi",
    ]
    for field in EDITED_FIELDS:
        assert f'id="id_{ProviderForm.form_name(field)}"' in fieldsets[str(field.group.label)]
    assert 'id="id_created_at"' not in html, "dates kept by Balise are not typed"


def test_the_import_offers_every_field_a_file_can_fill():
    labels = dict(MAPPABLE_FIELDS)
    assert list(labels) == [f.name for f in IMPORTED_FIELDS] + ["external_id", "balise_id"]
    assert "marketing_consent_source" not in labels
    assert str(labels["category"]) == "Catégorie (hôtel, gîte, restaurant…)"
    assert str(labels["facebook"]) == "Facebook"


@pytest.mark.django_db
def test_the_rgpd_export_writes_every_declared_field(client_for, admin_user, office):
    provider = ProviderFactory(office=office, social_links={"facebook": "https://fb.example/a"})
    response = client_for(admin_user).get(
        reverse("privacy:provider_export", args=[office.slug, provider.pk])
    )
    record = json.loads(response.content)["provider"]
    declared = {f.name for f in PROVIDER_FIELDS if f.kind in (Kind.COLUMN, Kind.NAMES)}
    assert set(record) == declared | {"id", "commune", "social_links"}
    assert record["social_links"] == {"facebook": "https://fb.example/a"}
