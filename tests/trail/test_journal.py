"""The journal page: admins only, the office's entries only, filters, pagination, queries."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from balise.diagnostics.models import Response
from balise.members.models import Provider
from balise.trail import context, services
from balise.trail.models import Entry, Via

from ..diagnostics.factories import CampaignFactory, ResponseFactory
from ..factories import CommuneFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def url(office, **params):
    path = reverse("trail:journal", args=[office.slug])
    if params:
        from urllib.parse import urlencode

        path += "?" + urlencode(params)
    return path


def edit(client, office, provider, **changes):
    path = reverse("members:provider_edit", args=[office.slug, provider.pk])
    form = client.get(path).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("labels", "tags")}
    data |= {"labels_text": "", "tags_text": ""} | changes
    assert client.post(path, data).status_code == 302


def test_admins_only(client_for, admin_user, animator, reader, office):
    assert client_for(admin_user).get(url(office)).status_code == 200
    assert client_for(animator).get(url(office)).status_code == 403
    assert client_for(reader).get(url(office)).status_code == 403


def test_anonymous_is_sent_to_login(client, office):
    response = client.get(url(office))
    assert response.status_code == 302 and "/compte/" in response["Location"]


def test_admin_nav_links_to_the_journal(client_for, admin_user, animator, office):
    home = reverse("offices:home", args=[office.slug])
    assert url(office) in client_for(admin_user).get(home).content.decode()
    assert url(office) not in client_for(animator).get(home).content.decode()


def test_shows_who_what_and_old_to_new_values(client_for, admin_user, animator, office):
    anduze = CommuneFactory(insee_code="30010", name="Anduze")
    provider = ProviderFactory(office=office, name="Gîte des Chênes", category="meuble")
    edit(client_for(animator), office, provider, name="Gîte des Grands Chênes", insee_code="30010")
    page = client_for(admin_user).get(url(office))
    row = next(r for r in page.context["rows"] if r.action == "modifié")
    assert row.who == animator.full_name
    assert row.url == reverse("members:provider_detail", args=[office.slug, provider.pk])
    changes = {c.label: (c.old, c.new) for c in row.changes}
    assert changes["Nom commercial"] == ("Gîte des Chênes", "Gîte des Grands Chênes")
    assert changes["Commune (INSEE)"][1] == str(anduze)
    body = page.content.decode()
    assert "<caption" in body and 'scope="col"' in body
    assert "Gîte des Grands Chênes" in body and "<del>Gîte des Chênes</del>" in body
    assert "style=" not in body and "<script>" not in body
    # The row created outside any request is the system's.
    created = next(r for r in page.context["rows"] if r.action == "créé")
    assert created.who == "système"
    assert ("Catégorie", "", "Meublé, gîte") in {(c.label, c.old, c.new) for c in created.changes}


def test_deleted_objects_lose_their_link_but_keep_their_name(client_for, admin_user, office):
    provider = ProviderFactory(office=office, name="Ancien Moulin")
    provider.delete()
    rows = client_for(admin_user).get(url(office)).context["rows"]
    deleted = [r for r in rows if r.name == "Ancien Moulin"]
    assert {r.action for r in deleted} == {"créé", "supprimé"}
    assert all(r.url is None for r in deleted)


def test_another_offices_entries_never_show(client_for, admin_user, outsider, office, other_office):
    ProviderFactory(office=office, name="Chez Nous")
    ProviderFactory(office=other_office, name="Chez Eux")
    rows = client_for(admin_user).get(url(office)).context["rows"]
    names = {r.name for r in rows}
    assert "Chez Nous" in names and "Chez Eux" not in names
    # Even when asked for the other office's object by kind and id.
    theirs = Provider.objects.get(name="Chez Eux")
    rows = client_for(admin_user).get(url(office, kind="members.provider", object=theirs.pk))
    assert rows.context["rows"] == []
    assert "Chez Nous" not in client_for(outsider).get(url(other_office)).content.decode()


def test_public_answers_are_not_staff_actions(client_for, admin_user, animator, office):
    campaign = CampaignFactory(office=office, name="Diagnostic 2026")
    provider = ProviderFactory(office=office, name="Hôtel du Pont")
    factory = RequestFactory()
    public = factory.post("/r/x/")
    public.user = AnonymousUser()
    token = context._request.set(public)
    try:
        response = ResponseFactory(campaign=campaign, provider=provider, answers={})
        with CaptureQueriesContext(connection) as queries:
            response.answers = {"web.site": "oui"}
            response.save(update_fields=["answers", "last_section", "updated_at"])
        # A respondent's page save costs no extra query: only the UPDATE itself.
        assert len(queries) == 1, [q["sql"] for q in queries]
    finally:
        context._request.reset(token)
    client = client_for(admin_user)
    rows = client.get(url(office, kind="diagnostics.response")).context["rows"]
    assert [(r.action, r.who, r.staff) for r in rows] == [
        ("créé", "le prestataire (lien personnel)", False)
    ]
    assert client.get(url(office, who=f"u{animator.pk}")).context["rows"] == []
    assert len(client.get(url(office, who="public")).context["rows"]) == 1


def test_filters(client_for, admin_user, animator, outsider, office):
    client = client_for(animator)
    gite = ProviderFactory(office=office, name="Gîte des Chênes")
    ProviderFactory(office=office, name="Camping du Lac")
    edit(client, office, gite, phone="04 66 00 00 01")
    old = Entry.objects.filter(object_repr="Camping du Lac").get()
    old.timestamp = timezone.now() - datetime.timedelta(days=40)
    old.save()
    admin = client_for(admin_user)

    def names(**params):
        return [(r.name, r.action) for r in admin.get(url(office, **params)).context["rows"]]

    assert names(who=f"u{animator.pk}") == [("Gîte des Chênes", "modifié")]
    assert names(q="lac") == [("Camping du Lac", "créé")]
    assert names(kind="members.provider", action=1) == [("Gîte des Chênes", "modifié")]
    assert ("Camping du Lac", "créé") not in names(start=timezone.localdate().isoformat())
    last_month = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    assert names(end=last_month) == [("Camping du Lac", "créé")]
    assert names(kind="members.provider", object=gite.pk) == [
        ("Gîte des Chênes", "modifié"),
        ("Gîte des Chênes", "créé"),
    ]
    # Invalid values are ignored, never a 500.
    page = admin.get(url(office, who="u-1'", kind="nope", action="9", start="hier", object="x"))
    assert page.status_code == 200
    assert names(kind="nope") == names()
    assert names(who=f"u{outsider.pk}") == names()  # not on the staff: ignored


def test_htmx_gets_only_the_results(client_for, admin_user, office):
    ProviderFactory(office=office, name="Gîte des Chênes")
    page = client_for(admin_user).get(url(office), headers={"HX-Request": "true"})
    body = page.content.decode()
    assert "Gîte des Chênes" in body and "<html" not in body


def test_pagination_newest_first(client_for, admin_user, office):
    Entry.objects.all().delete()
    ProviderFactory.create_batch(services.PAGE_SIZE + 3, office=office)
    client = client_for(admin_user)
    first = client.get(url(office))
    assert first.context["page_obj"].paginator.count == services.PAGE_SIZE + 3
    assert len(first.context["rows"]) == services.PAGE_SIZE
    stamps = [r.entry.timestamp for r in first.context["rows"]]
    assert stamps == sorted(stamps, reverse=True)
    second = client.get(url(office, page=2))
    assert len(second.context["rows"]) == 3
    assert "Page 2 sur 2" in second.content.decode()
    assert client.get(url(office, page="zzz")).status_code == 200


@pytest.mark.parametrize("count", [1, 3])
def test_query_count_is_constant(client_for, admin_user, office, count, django_assert_num_queries):
    campaign = CampaignFactory(office=office)
    Entry.objects.all().delete()
    for provider in ProviderFactory.create_batch(count, office=office):
        ResponseFactory(campaign=campaign, provider=provider)
        provider.commune = CommuneFactory()
        provider.save()
    assert Entry.objects.count() == 3 * count
    Response.objects.update()  # nothing
    ContentType.objects.get_for_models(Provider, Response)  # warm the content type cache
    client = client_for(admin_user)
    client.get(url(office))  # warm the session
    # session, user, membership; the staff list for the filter; count, page; one query per
    # kind of object for the links (providers, responses); one per kind of related row
    # named in the changes (communes, campaigns, providers, questionnaire versions).
    with django_assert_num_queries(12):
        page = client.get(url(office))
    assert len(page.context["rows"]) == 3 * count
    assert all(r.url for r in page.context["rows"])
    assert Via.SYSTEM in {r.entry.via for r in page.context["rows"]}


def test_the_operators_admin_lists_and_opens_entries(client, client_for, animator, office):
    from balise.offices.models import User

    provider = ProviderFactory(office=office)
    campaign = CampaignFactory(office=office)
    start = reverse("diagnostics:assisted", args=[office.slug, campaign.pk, provider.pk])
    client_for(animator).post(
        f"{start}?rubrique=web", {"action": "next", "shown": ["web.site"], "q-web.site": "non"}
    )
    superuser = User.objects.create_superuser("ops@example.org", "x")
    client.force_login(superuser, backend="django.contrib.auth.backends.ModelBackend")
    changelist = reverse("admin:trail_entry_changelist")
    assert client.get(changelist, {"q": "ops@example.org"}).status_code == 200
    assert client.get(changelist, {"office__id__exact": office.pk}).status_code == 200
    for entry in Entry.objects.all():
        page = client.get(reverse("admin:trail_entry_change", args=[entry.pk]))
        assert page.status_code == 200, entry.changes
