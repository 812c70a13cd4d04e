"""The respondent's path by personal link: no account, one page per section, resumable."""

import datetime

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from balise.diagnostics import invitations, versions
from balise.diagnostics.definition import DEFAULT_PATH
from balise.diagnostics.models import (
    INVITATION_SALT,
    AxisScore,
    CampaignStatus,
    Invitation,
    Response,
    ResponseSource,
)
from balise.diagnostics.scoring import applicable_questions, score, visible_sections
from balise.members.models import Category

from ..factories import ProviderFactory
from .factories import CampaignFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(office):
    office.email = "contact@haut-vallon.example"
    office.phone = "04 66 00 00 00"
    office.save()
    return office


@pytest.fixture
def campaign(office):
    return CampaignFactory(office=office, name="Diagnostic 2026")


@pytest.fixture
def hotel(office):
    return ProviderFactory(office=office, name="Hôtel du Pont", category=Category.HOTEL)


@pytest.fixture
def invitation(campaign, hotel):
    invitations.invite(campaign=campaign, providers=[hotel])
    return Invitation.objects.get(provider=hotel)


def link(invitation, name="respond:welcome", *args):
    token = invitation if isinstance(invitation, str) else invitation.token
    return reverse(name, args=[token, *args])


def page(invitation, section):
    return link(invitation, "respond:section", section)


def stored():
    return Response.objects.get().answers


class TestLink:
    def test_welcome_page(self, client, invitation):
        response = client.get(link(invitation))
        body = response.content.decode()
        assert response.status_code == 200
        assert "Office de tourisme du Haut-Vallon" in body
        assert "Hôtel du Pont" in body
        # Names stand on their own: French would need an article the data does not hold
        # ("propose à l'Hôtel…", "l'équipe de l'Office…").
        assert "propose à Hôtel" not in body and "de Office" not in body
        assert "Qui voit vos réponses ?" in body
        assert "minutes" in body
        assert "<script" not in body  # the whole path works without JavaScript
        assert f'href="{page(invitation, "profil")}"' in body
        assert "no-store" in response["Cache-Control"]
        invitation.refresh_from_db()
        assert invitation.opened_at is not None

    def test_forged_altered_or_revoked_links_get_the_same_bare_404(self, client, invitation):
        good = invitation.token
        altered = good[:-1] + ("A" if good[-1] != "A" else "B")
        signed_but_unknown = signing.Signer(salt=INVITATION_SALT).sign("nexiste-pas")
        other_salt = signing.Signer(salt="autre").sign(invitation.key)
        bodies = set()
        for token in ["nimportequoi", good.split(":")[0], altered, signed_but_unknown, other_salt]:
            for url in (link(token), link(token, "respond:section", "profil")):
                response = client.get(url)
                assert response.status_code == 404, url
                bodies.add(response.content)
        invitations.revoke_invitation(invitation=invitation)
        revoked = client.get(link(invitation))
        assert revoked.status_code == 404
        bodies.add(revoked.content)
        posted = client.post(page(invitation, "profil"), {"q-profil.salaries": "3"})
        assert posted.status_code == 404
        bodies.add(posted.content)
        assert len(bodies) == 1
        assert not Response.objects.exists()

    def test_archived_provider_link_is_404(self, client, invitation, hotel):
        hotel.archive()
        assert client.get(link(invitation)).status_code == 404

    @pytest.mark.parametrize(
        ("change", "title"),
        [
            ({"status": CampaignStatus.CLOSED}, "Cette campagne est close"),
            ({"ends_on": datetime.date(2020, 1, 31)}, "Cette campagne est close"),
            ({"status": CampaignStatus.DRAFT}, "Cette campagne n'est pas encore ouverte"),
            ({"starts_on": datetime.date(2099, 1, 1)}, "Cette campagne n'est pas encore ouverte"),
        ],
    )
    def test_closed_or_not_yet_open_campaign(self, client, invitation, campaign, change, title):
        for field, value in change.items():
            setattr(campaign, field, value)
        if "starts_on" in change:
            campaign.ends_on = datetime.date(2099, 12, 31)
        campaign.save()
        for url in (
            link(invitation),
            page(invitation, "profil"),
            link(invitation, "respond:finish"),
        ):
            response = client.get(url)
            body = response.content.decode()
            assert response.status_code == 200
            assert title in body
            assert "contact@haut-vallon.example" in body and "04 66 00 00 00" in body
        client.post(
            page(invitation, "profil"), {"q-profil.salaries": "3", "shown": "profil.salaries"}
        )
        assert not Response.objects.exists()


class TestAnswering:
    def post(self, client, invitation, section, action="next", **answers):
        """Post a page as a browser does: every question shown on it, filled in or not."""
        shown = [field.code for field in client.get(page(invitation, section)).context["fields"]]
        data = {"action": action, "shown": shown}
        data.update({"q-" + code.replace("__", "."): value for code, value in answers.items()})
        return client.post(page(invitation, section), data)

    def test_section_by_section_to_the_results(self, client, invitation):
        first = client.get(page(invitation, "profil"))
        body = first.content.decode()
        assert "Étape 1 sur 4" in body
        assert '<progress max="4" value="1"' in body
        assert '<legend id="q-profil-salaries-legend">' in body
        assert "Je ne sais pas" in body
        assert "<script" not in body

        response = self.post(
            client, invitation, "profil", profil__salaries="3", profil__remarque=""
        )
        assert response.status_code == 302
        assert response["Location"] == page(invitation, "equipement")
        assert stored() == {"profil.salaries": 3}
        assert Response.objects.get().source == ResponseSource.SELF

        self.post(
            client,
            invitation,
            "equipement",
            equipement__wifi="oui",
            equipement__outils=["ordinateur", "smartphone"],
        )
        assert "Étape 3 sur 4" in client.get(page(invitation, "web")).content.decode()
        response = self.post(client, invitation, "web", web__site="non")
        assert response["Location"] == page(invitation, "reservation")
        response = self.post(client, invitation, "reservation", reservation__en_ligne="en_partie")
        assert response["Location"] == link(invitation, "respond:finish")

        recap = client.get(response["Location"]).content.decode()
        assert "Vérifier et terminer" in recap
        done = client.post(link(invitation, "respond:finish"))
        assert done["Location"] == link(invitation, "respond:results")
        result = Response.objects.get()
        assert result.completed_at is not None
        results_page = client.get(done["Location"])
        assert results_page.status_code == 200
        assert "Vos résultats" in results_page.content.decode()
        assert results_page.context["report"].overall == result.overall_score

    def test_previous_saves_and_goes_back(self, client, invitation):
        response = self.post(client, invitation, "equipement", "previous", equipement__wifi="non")
        assert response["Location"] == page(invitation, "profil")
        assert stored() == {"equipement.wifi": "non"}
        response = self.post(client, invitation, "profil", "previous")
        assert response["Location"] == link(invitation)

    def test_resume_on_another_device(self, client, invitation):
        self.post(client, invitation, "profil", profil__salaries="2")
        self.post(client, invitation, "equipement", equipement__wifi="oui")
        phone = Client()  # a fresh device: no cookie, no session, the same link
        welcome = phone.get(link(invitation)).content.decode()
        assert "Reprendre là où vous en étiez" in welcome
        assert f'href="{page(invitation, "web")}"' in welcome
        web = phone.get(page(invitation, "equipement")).content.decode()
        assert 'value="oui" checked' in web  # earlier answers are shown again

    def test_double_submit_keeps_one_answer(self, client, invitation):
        for _ in range(2):
            response = self.post(client, invitation, "equipement", equipement__outils=["tablette"])
            assert response["Location"] == page(invitation, "web")
        assert stored() == {"equipement.outils": ["tablette"]}
        assert Response.objects.count() == 1

    def test_two_devices_on_two_pages(self, client, invitation):
        laptop, phone = Client(), Client()
        laptop.get(page(invitation, "profil"))
        phone.get(page(invitation, "equipement"))
        self.post(phone, invitation, "equipement", equipement__wifi="oui")
        self.post(laptop, invitation, "profil", profil__salaries="5")
        assert stored() == {"profil.salaries": 5, "equipement.wifi": "oui"}

    def test_errors_are_in_french_and_the_valid_answers_saved(self, client, invitation):
        response = self.post(
            client, invitation, "profil", profil__salaries="douze", profil__remarque="Calme"
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert 'role="alert"' in body
        assert "Entrez un nombre, par exemple 12 ou 3,5." in body
        assert 'value="douze"' in body  # what was typed is shown again
        assert 'aria-describedby="q-profil-salaries-error"' in body
        assert stored() == {"profil.remarque": "Calme"}

    def test_text_answers_lose_their_control_characters(self, client, invitation):
        # Free text is echoed in the office's exports and mails: line breaks stay, the
        # other control characters (NUL, escape sequences, bidi overrides) go.
        self.post(
            client, invitation, "profil", profil__remarque="Calme\r\nvue\x00 mer\x1b[2J\u202e"
        )
        assert stored() == {"profil.remarque": "Calme\nvue mer [2J"}
        self.post(client, invitation, "profil", profil__remarque="\x07\x08")
        assert stored() == {}

    def test_required_question(self, client, invitation):
        response = self.post(client, invitation, "web", web__site="")
        assert "Répondez à cette question." in response.content.decode()
        # "Précédent" never blocks.
        assert self.post(client, invitation, "web", "previous", web__site="").status_code == 302

    def test_no_website_never_shows_the_website_questions(self, client, invitation):
        assert "web.mobile" not in client.get(page(invitation, "web")).content.decode()
        response = self.post(client, invitation, "web", web__site="oui")
        # The answer opens follow-up questions on the same page: shown at once.
        assert response["Location"] == page(invitation, "web") + "#q-web-mobile"
        body = client.get(page(invitation, "web")).content.decode()
        assert "Votre réponse ouvre de nouvelles questions" in body
        assert 'name="q-web.mobile"' in body
        assert "Description du palier 3" in body
        self.post(
            client, invitation, "web", web__site="oui", web__mobile="palier_5", web__mentions="oui"
        )
        assert stored() == {"web.site": "oui", "web.mobile": "palier_5", "web.mentions": "oui"}

        response = self.post(
            client, invitation, "web", web__site="non", web__mobile="palier_5", web__mentions="oui"
        )
        assert response["Location"] == page(invitation, "reservation")
        assert stored() == {"web.site": "non"}
        assert 'name="q-web.mobile"' not in client.get(page(invitation, "web")).content.decode()

    def test_a_section_that_does_not_apply_is_404(self, client, campaign, office):
        association = ProviderFactory(office=office, category=Category.ASSOCIATION)
        invitations.invite(campaign=campaign, providers=[association])
        invitation = Invitation.objects.get(provider=association)
        assert client.get(page(invitation, "reservation")).status_code == 404
        assert client.get(page(invitation, "inconnue")).status_code == 404
        assert "Étape 1 sur 3" in client.get(page(invitation, "profil")).content.decode()

    def test_finish_sends_back_to_a_missing_required_question(self, client, invitation):
        assert client.post(link(invitation, "respond:finish"))["Location"] == page(
            invitation, "profil"
        )
        self.post(client, invitation, "profil", profil__salaries="1")
        response = client.post(link(invitation, "respond:finish"))
        assert response["Location"] == page(invitation, "web") + "#q-web-site"
        assert not Response.objects.get().is_completed

    def test_results_wait_for_completion_and_stay_after_closing(self, client, invitation):
        results = link(invitation, "respond:results")
        assert client.get(results)["Location"] == link(invitation)
        self.post(client, invitation, "web", web__site="oui")
        client.post(link(invitation, "respond:finish"))
        invitation.campaign.status = CampaignStatus.CLOSED
        invitation.campaign.save()
        assert client.get(results).status_code == 200
        closed = client.get(link(invitation)).content.decode()
        assert "Cette campagne est close" in closed and results in closed

    def test_completed_response_can_still_be_corrected_while_open(self, client, invitation):
        self.post(client, invitation, "web", web__site="non")
        client.post(link(invitation, "respond:finish"))
        assert AxisScore.objects.get(axis="web").score == 0
        welcome = client.get(link(invitation)).content.decode()
        assert "Voir mes résultats" in welcome and "Modifier mes réponses" in welcome
        self.post(client, invitation, "web", web__site="oui")
        assert AxisScore.objects.get(axis="web").score == 100


def _first_choice(question):
    """A plausible answer for any question of the shipped questionnaire."""
    if question.type == "multiple":
        return [next(o.code for o in question.options if not o.exclusive)]
    if question.options:
        return question.options[-1].code if question.type == "scale5" else question.options[0].code
    if question.type == "number":
        low = question.min if question.min is not None else 0
        return str(int(low) + 1 if question.max is None or low + 1 <= question.max else low)
    return "Réponse libre"


@pytest.mark.skipif(not DEFAULT_PATH.exists(), reason="default.yaml not shipped yet")
@pytest.mark.parametrize("category", [Category.CAMPSITE, Category.ASSOCIATION])
def test_the_shipped_questionnaire_from_the_link_to_the_results(client, office, category):
    version = versions.ensure_default_version()
    campaign = CampaignFactory(office=office, version=version)
    provider = ProviderFactory(office=office, category=category)
    invitations.invite(campaign=campaign, providers=[provider])
    invitation = Invitation.objects.get()
    definition = version.parsed

    url = client.get(link(invitation)).context["next_url"]
    pages = 0
    while "/terminer/" not in url:
        pages += 1
        assert pages < 40, "the path never ends"
        response = client.get(url)
        assert response.status_code == 200, url
        section = response.context["section"]
        answers = Response.objects.first().answers if Response.objects.exists() else {}
        questions = applicable_questions(definition, answers, category=category, section=section)
        data = {"action": "next", "shown": [q.code for q in questions]}
        data.update({f"q-{q.code}": _first_choice(q) for q in questions})
        response = client.post(url, data)
        assert response.status_code == 302, response.context and response.context["error_fields"]
        url = response["Location"].split("#")[0]
    done = client.post(url)
    assert client.get(done["Location"]).status_code == 200
    result = Response.objects.get()
    expected = score(definition, result.answers, category=category)
    assert result.overall_score == expected.overall
    assert pages >= len(visible_sections(definition, result.answers, category=category))


def test_opened_at_is_kept_from_the_first_visit(client, invitation):
    first = timezone.now() - datetime.timedelta(days=2)
    Invitation.objects.filter(pk=invitation.pk).update(opened_at=first)
    client.get(link(invitation))
    invitation.refresh_from_db()
    assert invitation.opened_at == first
