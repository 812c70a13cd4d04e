"""The operators' admin site: every registered model's pages open for a superuser."""

import pytest
from django.contrib import admin
from django.urls import reverse

from balise.offices.models import User

from .factories import ProviderFactory


@pytest.mark.django_db
def test_every_admin_changelist_and_change_page_opens(client):
    superuser = User.objects.create_superuser("ops@example.org", "x")
    provider = ProviderFactory()
    client.force_login(superuser, backend="django.contrib.auth.backends.ModelBackend")
    for model in admin.site._registry:
        opts = model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(url).status_code == 200, url
    url = reverse("admin:members_provider_change", args=[provider.pk])
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_office_staff_cannot_open_the_admin(client_for, admin_user):
    response = client_for(admin_user).get(reverse("admin:index"))
    assert response.status_code == 302
