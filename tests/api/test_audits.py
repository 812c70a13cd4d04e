"""Audit runs and site audits over the API: tenancy, latest per provider, query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from balise.audits.models import AuditRun, RunStatus
from balise.audits.services import store_audit

from ..audits.test_gaps import BARE_PAGE, fetch
from ..factories import ProviderFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/offices"


def audit(provider, *, days_ago=1, page=BARE_PAGE, run=None):
    return store_audit(
        provider=provider,
        result=fetch(page, when=timezone.now() - timedelta(days=days_ago)),
        run=run,
    )


def test_latest_audit_per_provider_paginated_and_filtered(api_client, reader, office):
    first, second = (
        ProviderFactory(office=office, name="A"),
        ProviderFactory(office=office, name="B"),
    )
    audit(first, days_ago=30)
    latest = audit(first, days_ago=2)
    other = audit(second)
    client = api_client(reader)
    data = client.get(f"{BASE}/{office.slug}/audits").json()
    assert data["count"] == 2
    assert [item["id"] for item in data["items"]] == [latest.pk, other.pk]
    assert data["items"][0]["provider"] == {"id": first.pk, "name": "A"}
    assert data["items"][0]["reachable"] is True and data["items"][0]["is_demo"] is False
    one = client.get(f"{BASE}/{office.slug}/audits?provider={first.pk}&latest=false").json()
    assert one["count"] == 2
    page = client.get(f"{BASE}/{office.slug}/audits?limit=1&offset=1").json()
    assert [item["id"] for item in page["items"]] == [other.pk]
    assert client.get(f"{BASE}/{office.slug}/audits?provdier=1").status_code == 422


def test_audit_detail_with_outcomes(api_client, reader, office):
    stored = audit(ProviderFactory(office=office))
    data = api_client(reader).get(f"{BASE}/{office.slug}/audits/{stored.pk}").json()
    outcomes = {outcome["code"]: outcome for outcome in data["outcomes"]}
    assert outcomes["mobile.viewport"]["verdict"] == "missing"
    assert outcomes["mobile.viewport"]["label"] == "Affichage adapté au mobile"
    assert outcomes["mobile.viewport"]["verdict_label"] == "absent"
    assert outcomes["site.reachable"]["verdict"] == "ok"


def test_runs_with_progress(api_client, reader, office):
    run = AuditRun.objects.create(office=office, status=RunStatus.RUNNING, total=4, done=1)
    data = api_client(reader).get(f"{BASE}/{office.slug}/audit-runs").json()
    assert data["count"] == 1
    item = data["items"][0]
    assert (item["id"], item["status"], item["total"], item["done"], item["percent"]) == (
        run.pk, "running", 4, 1, 25,
    )  # fmt: skip
    assert api_client(reader).get(f"{BASE}/{office.slug}/audit-runs/{run.pk}").json()["done"] == 1


def test_filtering_on_another_offices_provider_lists_nothing(
    api_client, reader, office, other_office
):
    theirs = audit(ProviderFactory(office=other_office))
    client = api_client(reader)
    listed = client.get(f"{BASE}/{office.slug}/audits?provider={theirs.provider_id}").json()
    assert listed["count"] == 0


def test_query_counts_do_not_grow(api_client, reader, office):
    client = api_client(reader)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    run = AuditRun.objects.create(office=office, total=1)
    first = audit(ProviderFactory(office=office), run=run)
    client.get(f"{BASE}/{office.slug}/audits")  # the token's first use is recorded once
    counts = [count(f"{BASE}/{office.slug}/{u}") for u in ("audits", "audit-runs")]
    detail = count(f"{BASE}/{office.slug}/audits/{first.pk}")
    for _ in range(5):
        provider = ProviderFactory(office=office)
        audit(provider, days_ago=9)
        audit(provider, run=AuditRun.objects.create(office=office))
    assert [count(f"{BASE}/{office.slug}/{u}") for u in ("audits", "audit-runs")] == counts
    assert count(f"{BASE}/{office.slug}/audits/{first.pk}") == detail


def test_schema_lists_the_audit_paths(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert {
        "/api/v1/offices/{office_slug}/audits",
        "/api/v1/offices/{office_slug}/audits/{audit_id}",
        "/api/v1/offices/{office_slug}/audit-runs",
        "/api/v1/offices/{office_slug}/audit-runs/{run_id}",
    } <= set(schema["paths"])
