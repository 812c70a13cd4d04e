"""Diagnostic workflows: versions, campaigns and their panel, follow-up figures, answers."""

import datetime
import json
import threading
import time

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from balise.diagnostics import answering, campaigns, definition, followup, invitations, versions
from balise.diagnostics.models import (
    Answer,
    AxisScore,
    FiredRecommendation,
    Invitation,
    QuestionnaireVersion,
    Response,
    ResponseSource,
    VersionStatus,
)
from balise.diagnostics.scoring import score
from balise.members.models import Category

from ..factories import CommuneFactory, ProviderFactory, UserFactory
from .factories import (
    SMALL_DEFINITION,
    CampaignFactory,
    InvitationFactory,
    QuestionnaireFactory,
    ResponseFactory,
    VersionFactory,
    fr,
    small_definition,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 3, 2)


@pytest.fixture
def version():
    return VersionFactory()


@pytest.fixture
def campaign(office, version):
    return CampaignFactory(office=office, version=version)


@pytest.fixture
def hotel(office):
    return ProviderFactory(office=office, name="Hôtel du Pont", category=Category.HOTEL)


@pytest.fixture
def response(campaign, hotel):
    return answering.start_or_resume(campaign=campaign, provider=hotel, source=ResponseSource.SELF)


def save(response, section, shown=None, **answers):
    data = {code.replace("__", "."): value for code, value in answers.items()}
    return answering.save_section(response=response, section_code=section, data=data, shown=shown)


# --- Versions ---------------------------------------------------------------------------


class TestVersions:
    def test_default_version_is_made_once_and_renewed_when_the_file_changes(
        self, tmp_path, monkeypatch
    ):
        path = tmp_path / "default.yaml"
        path.write_text(yaml.safe_dump(SMALL_DEFINITION, allow_unicode=True), encoding="utf-8")
        monkeypatch.setattr(definition, "DEFAULT_PATH", path)

        first = versions.ensure_default_version()
        assert first.is_published
        assert first.questionnaire.office is None
        assert first.questionnaire.code == "diagnostic-numerique"
        assert versions.ensure_default_version() == first
        # Same questionnaire written differently (JSON, defaults spelled out): no new version.
        spelled_out = small_definition()
        spelled_out["axes"][0]["weight"] = 1
        path.write_text(json.dumps(spelled_out, indent=2), encoding="utf-8")
        assert versions.ensure_default_version() == first

        path.write_text(json.dumps(small_definition(title=fr("Diagnostic 2027"))), "utf-8")
        second = versions.ensure_default_version()
        assert (second.number, second.based_on, second.is_published) == (2, first, True)
        assert second.questionnaire == first.questionnaire
        assert second.questionnaire.title == "Diagnostic 2027"
        first.refresh_from_db()
        assert first.definition["title"] == fr("Diagnostic de test")

    @pytest.mark.skipif(not definition.DEFAULT_PATH.exists(), reason="default.yaml not shipped yet")
    def test_the_shipped_questionnaire_is_published_as_is(self):
        version = versions.ensure_default_version()
        assert version.definition == json.loads(json.dumps(definition.load_default()))
        assert 50 <= len(version.parsed.questions) <= 75

    def test_copy_is_a_draft_of_the_office(self, office, animator, version):
        copy = versions.copy_version(version=version, office=office, user=animator)
        assert copy.status == VersionStatus.DRAFT
        assert copy.questionnaire.office == office
        assert copy.questionnaire.code == version.questionnaire.code
        assert (copy.based_on, copy.created_by, copy.number) == (version, animator, 1)
        assert copy.definition == version.definition
        again = versions.copy_version(version=copy, office=office, user=animator)
        assert (again.questionnaire, again.number) == (copy.questionnaire, 2)

    def test_an_office_cannot_copy_another_offices_version(self, office, other_office):
        theirs = VersionFactory(questionnaire=QuestionnaireFactory(office=other_office))
        with pytest.raises(ValidationError):
            versions.copy_version(version=theirs, office=office, user=None)

    def test_published_version_is_immutable(self, office, version):
        copy = versions.copy_version(version=version, office=office, user=None)
        versions.publish_version(version=copy)
        copy.refresh_from_db()
        assert copy.is_published and copy.published_at is not None
        copy.definition = small_definition(title=fr("Changé"))
        with pytest.raises(ValidationError):
            copy.save()

    def test_import_yaml_or_json(self, office, animator):
        text = yaml.safe_dump(small_definition(code="diagnostic_numerique"), allow_unicode=True)
        draft = versions.import_version_file(office=office, user=animator, text=text)
        assert draft.status == VersionStatus.DRAFT
        assert draft.questionnaire.office == office
        assert draft.questionnaire.code == "diagnostic-numerique"
        assert draft.parsed.title.fr == "Diagnostic de test"
        second = versions.import_version_file(
            office=office, user=animator, text=json.dumps(small_definition())
        )
        assert second.parsed.code == "diagnostic_test"

    def test_invalid_file_gives_french_errors_and_writes_nothing(self, office):
        broken = small_definition()
        broken["sections"][2]["questions"][1]["when"] = {"answer": "web.inconnue", "in": ["x"]}
        with pytest.raises(ValidationError) as error:
            versions.import_version_file(office=office, user=None, text=json.dumps(broken))
        assert any("question inconnue : web.inconnue" in m for m in error.value.messages)
        with pytest.raises(ValidationError) as error:
            versions.import_version_file(office=office, user=None, text="code: [oups")
        assert "Fichier illisible" in error.value.messages[0]
        with pytest.raises(ValidationError):
            versions.import_version_file(office=office, user=None, text="- une liste")
        assert not QuestionnaireVersion.objects.filter(questionnaire__office=office).exists()

    def test_deeply_nested_documents_are_refused_quickly(self, office):
        started = time.monotonic()
        with pytest.raises(ValidationError):
            versions.import_version_file(office=office, user=None, text="a: " + "[" * 100_000)
        deep = small_definition()
        deep["sections"][2]["questions"][1]["when"] = "DEEP"
        condition = '{"not": ' * 5000 + '{"answered": "web.site"}' + "}" * 5000
        text = json.dumps(deep).replace('"DEEP"', condition)
        with pytest.raises(ValidationError):
            versions.import_version_file(office=office, user=None, text=text)
        assert time.monotonic() - started < 5

    def test_yaml_aliases_are_refused(self, office):
        bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: [*b,*b]\n'
        with pytest.raises(ValidationError) as error:
            versions.import_version_file(office=office, user=None, text=bomb)
        assert "alias" in error.value.messages[0]


# --- Campaigns and their panel ----------------------------------------------------------


class TestCampaigns:
    def test_create_targets_the_filtered_active_providers(self, office, other_office, version):
        ProviderFactory(office=office, name="Camping A", category=Category.CAMPSITE)
        ProviderFactory(office=office, name="Camping B", category=Category.CAMPSITE)
        ProviderFactory(office=office, name="Camping archivé", category=Category.CAMPSITE).archive()
        ProviderFactory(office=office, name="Hôtel", category=Category.HOTEL)
        ProviderFactory(office=other_office, name="Camping d'ailleurs", category=Category.CAMPSITE)
        campaign = campaigns.create_campaign(
            office=office,
            name="Diagnostic 2026",
            version=version,
            starts_on=TODAY,
            ends_on=TODAY + datetime.timedelta(days=30),
            target_filters={"category": "camping", "commune": "99999", "bogus": "x"},
            message="  Merci !  ",
            user=None,
        )
        assert campaign.target_filters == {"category": "camping"}
        assert (campaign.slug, campaign.status, campaign.message) == (
            "diagnostic-2026",
            "draft",
            "Merci !",
        )
        invited = sorted(campaign.invitations.values_list("provider__name", flat=True))
        assert invited == ["Camping A", "Camping B"]
        assert all(len(i.key) >= 40 for i in campaign.invitations.all())

    def test_slugs_stay_unique_and_fields_are_checked(self, office, version):
        def create(**kwargs):
            fields = {
                "office": office,
                "name": "Diagnostic 2026",
                "version": version,
                "starts_on": TODAY,
                "ends_on": TODAY,
                "target_filters": {},
                "message": "",
                "user": None,
            }
            return campaigns.create_campaign(**{**fields, **kwargs})

        assert create().slug == "diagnostic-2026"
        assert create().slug == "diagnostic-2026-2"
        with pytest.raises(ValidationError):
            create(ends_on=TODAY - datetime.timedelta(days=1))
        with pytest.raises(ValidationError):
            create(name="   ")
        draft = VersionFactory(status=VersionStatus.DRAFT, published_at=None)
        with pytest.raises(ValidationError):
            create(version=draft)

    def test_only_visible_published_versions_can_run_a_campaign(self, office, other_office):
        shared = VersionFactory()
        own = VersionFactory(questionnaire=QuestionnaireFactory(office=office, code="a"))
        draft = VersionFactory(
            questionnaire=QuestionnaireFactory(office=office, code="b"),
            status=VersionStatus.DRAFT,
        )
        foreign = VersionFactory(questionnaire=QuestionnaireFactory(office=other_office))
        assert set(versions.campaign_versions(office)) == {shared, own}
        assert set(versions.visible_versions(office)) == {shared, own, draft}
        assert foreign not in versions.visible_versions(office)

    def test_invite_is_idempotent_and_adds_new_matches(self, office, campaign):
        campaign.target_filters = {"category": "restaurant"}
        campaign.save()
        ProviderFactory(office=office, category=Category.RESTAURANT)
        assert invitations.invite(campaign=campaign) == 1
        assert invitations.invite(campaign=campaign) == 0
        ProviderFactory(office=office, category=Category.RESTAURANT)
        assert invitations.invite(campaign=campaign) == 1
        assert campaign.invitations.count() == 2

    def test_open_and_close(self, campaign):
        campaigns.close_campaign(campaign=campaign)
        assert not campaign.is_open
        campaigns.open_campaign(campaign=campaign)
        assert campaign.is_open
        campaign.ends_on = timezone.localdate() - datetime.timedelta(days=1)
        with pytest.raises(ValidationError):
            campaigns.open_campaign(campaign=campaign)


class TestFollowUp:
    def test_statuses_in_one_query(self, office, campaign, django_assert_num_queries):
        village = CommuneFactory(name="Saint-Jean")
        names = ["A invité", "B ouvert", "C en cours", "D terminé", "E à envoyer", "F révoqué"]
        providers = {n: ProviderFactory(office=office, name=n, commune=village) for n in names}
        invitations.invite(campaign=campaign)
        now = timezone.now()
        Invitation.objects.filter(provider=providers["A invité"]).update(sent_at=now)
        Invitation.objects.filter(provider=providers["B ouvert"]).update(sent_at=now, opened_at=now)
        Invitation.objects.filter(provider=providers["F révoqué"]).update(revoked_at=now)
        ResponseFactory(campaign=campaign, provider=providers["C en cours"])
        ResponseFactory(campaign=campaign, provider=providers["D terminé"], completed_at=now)
        with django_assert_num_queries(1):
            rows = {row.name: row.status for row in followup.provider_statuses(campaign)}
        assert rows == {
            "A invité": "invited",
            "B ouvert": "opened",
            "C en cours": "in_progress",
            "D terminé": "completed",
            "E à envoyer": "not_sent",
            "F révoqué": "revoked",
        }

    def test_participation_overall_by_category_and_commune(self, office, campaign):
        north, south = CommuneFactory(name="Nord"), CommuneFactory(name="Sud")
        hotels = [
            ProviderFactory(office=office, category=Category.HOTEL, commune=north) for _ in range(3)
        ]
        camping = ProviderFactory(office=office, category=Category.CAMPSITE, commune=south)
        ProviderFactory(office=office, category=Category.CAMPSITE, commune=None)
        invitations.invite(campaign=campaign)
        ResponseFactory(campaign=campaign, provider=hotels[0], completed_at=timezone.now())
        ResponseFactory(campaign=campaign, provider=camping)
        # Other campaigns do not count.
        ResponseFactory(provider=hotels[1], completed_at=timezone.now())

        figures = followup.participation(campaign)
        assert (figures.overall.total, figures.overall.started, figures.overall.completed) == (
            5,
            2,
            1,
        )
        assert figures.overall.rate == 20.0
        by_category = {row.label: (row.total, row.completed) for row in figures.by_category}
        assert by_category == {"Camping": (2, 0), "Hôtel": (3, 1)}
        by_commune = {row.label: (row.total, row.started, row.rate) for row in figures.by_commune}
        assert by_commune == {
            "Commune inconnue": (1, 0, 0.0),
            "Nord": (3, 1, 33.3),
            "Sud": (1, 1, 0.0),
        }

    def test_campaign_list_counts(self, office, campaign):
        provider = ProviderFactory(office=office)
        invitations.invite(campaign=campaign)
        ResponseFactory(campaign=campaign, provider=provider, completed_at=timezone.now())
        empty = CampaignFactory(office=office)
        rows = {
            c.pk: (c.panel_count, c.completed_count) for c in campaigns.campaigns_for_list(office)
        }
        assert rows == {campaign.pk: (1, 1), empty.pk: (0, 0)}

    def test_campaign_list_counts_the_panel_as_the_campaign_page_does(self, office, campaign):
        revoked_but_answered, revoked, live = (ProviderFactory(office=office) for _ in range(3))
        invitations.invite(campaign=campaign)
        for provider in (revoked_but_answered, revoked):
            invitations.revoke_invitation(invitation=campaign.invitations.get(provider=provider))
        ResponseFactory(campaign=campaign, provider=revoked_but_answered)
        assisted = ProviderFactory(office=office)  # helped by phone, never invited
        ResponseFactory(campaign=campaign, provider=assisted)
        listed = campaigns.campaigns_for_list(office).get(pk=campaign.pk)
        assert listed.panel_count == followup.participation(campaign).overall.total == 3
        assert live.pk in campaign.invitations.values_list("provider", flat=True)


# --- Answers ----------------------------------------------------------------------------


class TestAnswers:
    def test_a_page_is_validated_and_merged(self, response):
        result = save(response, "profil", profil__salaries=[" 12 "], profil__remarque=["  Gîte  "])
        assert result.ok and result.changed
        response.refresh_from_db()
        assert response.answers == {"profil.salaries": 12, "profil.remarque": "Gîte"}
        assert response.last_section == "profil"

    @pytest.mark.parametrize(
        ("code", "value", "message"),
        [
            ("profil.salaries", ["beaucoup"], "Entrez un nombre, par exemple 12 ou 3,5."),
            ("profil.salaries", ["501"], "Entrez un nombre entre 0 et 500."),
            ("profil.salaries", ["-2,5"], "Entrez un nombre entre 0 et 500."),
            ("profil.salaries", ["nan"], "Entrez un nombre, par exemple 12 ou 3,5."),
            ("profil.salaries", ["3", "nsp"], "« Je ne sais pas » ne se combine pas"),
            ("profil.remarque", ["x" * 2001], "caractères au plus (vous en avez écrit 2"),
        ],
    )
    def test_bad_values_get_french_errors_and_are_not_saved(self, response, code, value, message):
        save(response, "profil", profil__salaries=["4"])
        result = save(response, "profil", [code], **{code.replace(".", "__"): value})
        assert message in result.errors[code]
        assert result.raw[code] == value
        response.refresh_from_db()
        assert response.answers.get("profil.salaries") == 4

    def test_decimal_comma_and_dont_know(self, response):
        save(response, "profil", profil__salaries=["2,5"])
        assert Response.objects.get().answers["profil.salaries"] == 2.5
        save(response, "profil", profil__salaries=["", "nsp"])
        assert Response.objects.get().answers["profil.salaries"] == "nsp"

    def test_unknown_codes_are_ignored(self, response):
        result = save(
            response,
            "equipement",
            equipement__wifi=["peut-etre"],
            equipement__outils=["ordinateur", "fusee", "nsp"],
            web__site=["oui"],  # another page's question: not this page's business
            inconnue=["x"],
        )
        assert result.ok
        assert Response.objects.get().answers == {"equipement.outils": ["ordinateur"]}

    def test_exclusive_option_stands_alone(self, response):
        result = save(response, "equipement", equipement__outils=["aucun", "tablette"])
        assert result.errors == {
            "equipement.outils": "« Aucun » ne se combine pas avec d'autres choix."
        }

    def test_emptied_question_is_cleared_and_required_ones_are_asked(self, response):
        save(response, "profil", profil__salaries=["3"], profil__remarque=["Bien"])
        save(response, "profil", profil__salaries=["3"], profil__remarque=[""])
        assert Response.objects.get().answers == {"profil.salaries": 3}
        result = save(response, "web")
        assert result.errors == {"web.site": "Répondez à cette question."}
        result = answering.save_section(
            response=response, section_code="web", data={}, require=False
        )
        assert result.ok

    def test_double_submit_keeps_one_answer(self, response):
        first = save(response, "equipement", equipement__outils=["ordinateur", "smartphone"])
        again = save(response, "equipement", equipement__outils=["ordinateur", "smartphone"])
        assert first.changed and not again.changed
        assert Response.objects.get().answers == {"equipement.outils": ["ordinateur", "smartphone"]}

    def test_two_devices_saving_different_pages_both_keep_their_answers(self, response):
        phone = Response.objects.get(pk=response.pk)
        laptop = Response.objects.get(pk=response.pk)  # loaded before the phone saved
        save(phone, "profil", profil__salaries=["2"])
        save(laptop, "equipement", equipement__wifi=["oui"])
        assert Response.objects.get().answers == {
            "profil.salaries": 2,
            "equipement.wifi": "oui",
        }

    def test_no_website_drops_the_website_questions(self, response):
        result = save(response, "web", web__site=["oui"])
        assert result.new_questions == ["web.mobile", "web.mentions"]
        save(response, "web", web__site=["oui"], web__mobile=["palier_4"], web__mentions=["oui"])
        assert set(Response.objects.get().answers) == {"web.site", "web.mobile", "web.mentions"}
        # The provider corrects itself: no website after all.
        shown = ["web.site", "web.mobile", "web.mentions"]
        result = save(response, "web", shown=shown, web__site=["non"], web__mobile=["palier_4"])
        assert result.ok
        assert Response.objects.get().answers == {"web.site": "non"}

    def test_follow_up_answered_on_the_same_page_is_kept(self, response):
        # The page showed every question (the browser kept them from an earlier visit).
        shown = ["web.site", "web.mobile", "web.mentions"]
        result = save(response, "web", shown=shown, web__site=["oui"], web__mobile=["palier_2"])
        assert result.ok and result.new_questions == []
        assert Response.objects.get().answers == {"web.site": "oui", "web.mobile": "palier_2"}

    def test_a_hidden_section_cannot_be_saved(self, office, campaign):
        association = ProviderFactory(office=office, category=Category.ASSOCIATION)
        response = answering.start_or_resume(
            campaign=campaign, provider=association, source=ResponseSource.SELF
        )
        with pytest.raises(answering.UnknownSection):
            save(response, "reservation", reservation__en_ligne=["oui"])
        with pytest.raises(answering.UnknownSection):
            save(response, "nexiste_pas")

    def test_completion_writes_scores_and_rows_consistent_with_score(self, response):
        save(response, "profil", profil__salaries=["nsp"], profil__remarque=["Ouvert l'été"])
        save(
            response,
            "equipement",
            equipement__wifi=["en_partie"],
            equipement__outils=["ordinateur", "smartphone", "tablette"],
        )
        web = ["web.site", "web.mobile", "web.mentions"]
        save(
            response, "web", web, web__site=["oui"], web__mobile=["palier_3"], web__mentions=["non"]
        )
        save(response, "reservation", reservation__en_ligne=["non"])
        completed = answering.complete(response=response)

        expected = score(
            completed.version.parsed, completed.answers, category=completed.provider.category
        )
        assert completed.completed_at is not None
        assert completed.overall_score == expected.overall
        assert completed.level == expected.level.number
        axis_rows = dict(AxisScore.objects.filter(response=completed).values_list("axis", "score"))
        assert axis_rows == expected.axis_scores()
        # equipement: wifi 1/2, outils capped 2/2 → 75; web: (3 + 2 + 0) / (3 + 4 + 2) → 55.6
        assert axis_rows == {"equipement": 75.0, "web": 55.6, "reservation": 0.0}
        rows = set(Answer.objects.filter(response=completed).values_list("question", "option"))
        assert ("equipement.outils", "tablette") in rows
        assert ("profil.salaries", "nsp") in rows
        assert ("web.mentions", "non") in rows
        assert Answer.objects.get(question="profil.remarque").text == "Ouvert l'été"
        assert Answer.objects.get(question="web.site").points == 3
        fired = list(FiredRecommendation.objects.filter(response=completed).values_list("code"))
        assert fired == [(rule.code,) for rule in expected.recommendations]

    def test_assisted_correction_of_a_completed_response_rescores_it(self, response, animator):
        save(response, "web", web__site=["non"])
        answering.complete(response=response)
        assert FiredRecommendation.objects.filter(code="creer_site").exists()
        first_completion = Response.objects.get().completed_at

        assisted = answering.start_or_resume(
            campaign=response.campaign,
            provider=response.provider,
            source=ResponseSource.ASSISTED,
            user=animator,
        )
        assert (assisted.source, assisted.filled_by) == (ResponseSource.ASSISTED, animator)
        save(assisted, "web", web__site=["oui"])
        done = Response.objects.get()
        assert done.completed_at == first_completion
        assert AxisScore.objects.get(response=done, axis="web").score == 100.0
        assert not FiredRecommendation.objects.filter(code="creer_site").exists()

    def test_resume_goes_to_the_first_page_without_answers(self, response):
        parsed = response.version.parsed

        def resume():
            answers = Response.objects.get().answers
            found = answering.resume_section(parsed, answers, category=Category.HOTEL)
            return found.code if found else None

        assert resume() == "profil"
        save(response, "profil", profil__salaries=["2"])
        save(response, "equipement", equipement__wifi=["oui"])
        assert resume() == "web"
        save(response, "web", web__site=["non"])
        save(response, "reservation", reservation__en_ligne=["oui"])
        assert resume() is None

    def test_clean_answer(self):
        parsed = QuestionnaireVersion(definition=SMALL_DEFINITION).parsed
        single = parsed.question("web.site")
        assert answering.clean_answer(single, ["oui", "non"]) == (
            None,
            "Choisissez une seule réponse.",
        )
        unbounded = parsed.question("profil.salaries").model_copy(update={"max": None})
        assert answering.clean_answer(unbounded, ["1\u202f200,5"]) == (1200.5, None)
        assert answering.clean_answer(unbounded, ["1e12"])[1] == "Ce nombre est trop grand."


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_wait_for_each_other(office, monkeypatch):
    """Two devices save at the same moment: the second waits for the first's row lock,
    then merges into what the first wrote (without the lock, one page would be lost)."""
    campaign = CampaignFactory(office=office)
    provider = ProviderFactory(office=office)
    response = answering.start_or_resume(
        campaign=campaign, provider=provider, source=ResponseSource.SELF
    )
    slow_prune = answering.prune_answers

    def prune_slowly(*args, **kwargs):
        time.sleep(0.3)  # both devices have read the row before either writes
        return slow_prune(*args, **kwargs)

    monkeypatch.setattr(answering, "prune_answers", prune_slowly)
    barrier = threading.Barrier(2)
    errors = []

    def device(section, data):
        try:
            barrier.wait()
            stale = Response.objects.get(pk=response.pk)
            answering.save_section(response=stale, section_code=section, data=data)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=device, args=("profil", {"profil.salaries": ["2"]})),
        threading.Thread(target=device, args=("equipement", {"equipement.wifi": ["oui"]})),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Response.objects.get().answers == {"profil.salaries": 2, "equipement.wifi": "oui"}


def test_start_or_resume_refuses_another_offices_provider(campaign, other_office):
    with pytest.raises(ValidationError):
        answering.start_or_resume(
            campaign=campaign,
            provider=ProviderFactory(office=other_office),
            source=ResponseSource.SELF,
        )


def test_invitation_factory_belongs_to_its_campaigns_office(office):
    invitation = InvitationFactory(campaign=CampaignFactory(office=office))
    assert invitation.provider.office == office == invitation.office
    assert UserFactory()  # factories importable together
