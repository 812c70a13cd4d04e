"""The individual report: content, privacy thresholds, evolution, pages, PDF, ZIP, e-mail,
command.

Data is built by hand (tests/diagnostics/report_questionnaire.py): six axes scored 0–100 in steps
of 25, one recommendation per axis firing below 50.
"""

import datetime as dt
import io
import zipfile

import pypdfium2 as pdfium
import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from balise.diagnostics.models import Response
from balise.diagnostics.report_comparisons import MIN_PEERS
from balise.diagnostics.report_delivery import render_report_pdf, send_report, write_campaign_zip
from balise.diagnostics.reports import build_report
from balise.members.models import Category

from ..factories import ProviderFactory
from .factories import completed_response
from .report_questionnaire import answers_for, make_campaign, make_version

GOOD = {"equipement": 100, "web": 75, "visibilite": 75, "reservation": 25, "reseaux": 100}
ALL_AXES = {**GOOD, "avis": 0}


@pytest.fixture
def version(db):
    return make_version()


@pytest.fixture
def campaign(office, version):
    return make_campaign(office, version)


@pytest.fixture
def hotel(office):
    return ProviderFactory(
        office=office, name="Hôtel du Vieux Pont", category=Category.HOTEL, contact_name="Léa"
    )


@pytest.fixture
def diagnostic(campaign, hotel):
    return completed_response(campaign, hotel, answers_for(ALL_AXES))


def add_peers(campaign, count, *, category=Category.HOTEL, scores=None):
    for _ in range(count):
        provider = ProviderFactory(office=campaign.office, category=category)
        completed_response(campaign, provider, answers_for(scores or dict.fromkeys(ALL_AXES, 50)))


def url(name, office, **kwargs):
    return reverse(f"diagnostics:{name}", kwargs={"office_slug": office.slug, **kwargs})


class TestContent:
    def test_scores_level_and_questions_behind_each_axis(self, diagnostic):
        report = build_report(diagnostic)
        assert report.overall == 62.5
        assert (report.level.number, report.level.name) == (4, "Avancé")
        assert [(axis.code, axis.score, axis.counted) for axis in report.axes] == [
            ("equipement", 100, 2),
            ("web", 75, 2),
            ("visibilite", 75, 2),
            ("reservation", 25, 2),
            ("reseaux", 100, 2),
            ("avis", 0, 2),
        ]
        assert report.observations == []

    def test_strengths_are_the_best_axes_from_60(self, diagnostic):
        strengths = build_report(diagnostic).strengths
        assert [(s.code, s.score) for s in strengths] == [
            ("equipement", 100),
            ("reseaux", 100),
            ("web", 75),
            ("visibilite", 75),
        ]

    def test_strengths_fall_back_to_the_best_axes(self, campaign, hotel):
        weak = completed_response(
            campaign, hotel, answers_for(dict.fromkeys(ALL_AXES, 25) | {"web": 50})
        )
        strengths = build_report(weak).strengths
        assert len(strengths) == 3
        assert strengths[0].code == "web"

    def test_priorities_are_the_fired_rules_in_priority_order(self, campaign, hotel):
        weak = completed_response(campaign, hotel, answers_for(dict.fromkeys(ALL_AXES, 0)))
        priorities = build_report(weak).priorities
        assert [p.code for p in priorities] == [
            "reco.equipement",
            "reco.web",
            "reco.visibilite",
            "reco.reservation",
            "reco.reseaux",
        ]  # six fired, five shown
        assert priorities[0].title == "Renforcer « Équipement & connexion »"
        assert priorities[0].advice.startswith("Un conseil concret")
        assert [theme.code for theme in priorities[0].themes] == ["atelier_equipement"]

    def test_weakest_axes_complete_the_priorities_when_few_rules_fired(self, diagnostic):
        priorities = build_report(diagnostic).priorities
        # reservation (25) and avis (0) fired; the weakest other axis completes the three.
        assert [p.code for p in priorities] == ["reco.reservation", "reco.avis", "axe.web"]
        assert priorities[2].axis == "web"
        assert "Site web" in priorities[2].title

    def test_counts_stay_between_three_and_five(self, campaign, office):
        for index, scores in enumerate(
            [
                ALL_AXES,
                dict.fromkeys(ALL_AXES, 100),
                dict.fromkeys(ALL_AXES, 0),
                dict.fromkeys(ALL_AXES, 50),
            ]
        ):
            provider = ProviderFactory(office=office, name=f"P{index}")
            report = build_report(completed_response(campaign, provider, answers_for(scores)))
            assert 3 <= len(report.strengths) <= 5, scores
            assert 3 <= len(report.priorities) <= 5, scores

    def test_dont_know_axis_is_a_gap_not_a_zero(self, campaign, hotel):
        response = completed_response(campaign, hotel, answers_for({**GOOD, "avis": None}))
        report = build_report(response)
        avis = next(axis for axis in report.axes if axis.code == "avis")
        assert (avis.score, avis.counted) == (None, 0)
        assert "non renseigné" in report.chart.table.rows[-1]

    def test_a_diagnostic_without_any_score_still_reports(self, campaign, hotel):
        response = completed_response(campaign, hotel, answers_for(dict.fromkeys(ALL_AXES)))
        report = build_report(response)
        assert (report.overall, report.level, report.chart) == (None, None, None)
        assert report.strengths == [] and report.priorities == []
        assert render_report_pdf(response).startswith(b"%PDF")

    def test_english_texts_fall_back_to_french(self, diagnostic):
        report = build_report(diagnostic, language="en")
        assert (report.language, report.level.name) == ("en", "Avancé")


class TestComparisons:
    def test_hidden_with_four_other_providers(self, campaign, diagnostic):
        add_peers(campaign, MIN_PEERS - 1)
        report = build_report(diagnostic)
        for comparison in (report.territory, report.category):
            assert comparison.peers == 4
            assert not comparison.shown
            assert comparison.overall is None and comparison.axes == {}
            assert "moins de 5 autres prestataires" in comparison.hidden_reason
        assert all(axis.territory is None for axis in report.axes)
        assert report.chart.table.headers == ["Axe", "Votre score"]

    def test_shown_with_five_other_providers(self, campaign, diagnostic):
        add_peers(campaign, MIN_PEERS)
        report = build_report(diagnostic)
        assert report.territory.shown and report.category.shown
        assert report.territory.peers == 5
        # The average counts every completed diagnostic: (62.5 + 5 × 50) / 6.
        assert report.territory.overall == pytest.approx((62.5 + 5 * 50) / 6)
        assert report.territory.axes["avis"] == pytest.approx(250 / 6)
        assert report.territory.position == "above"
        assert report.chart.table.headers == ["Axe", "Votre score", "Moyenne du territoire"]

    def test_category_needs_five_of_the_same_category(self, campaign, diagnostic):
        add_peers(campaign, 3, category=Category.HOTEL)
        add_peers(campaign, 2, category=Category.RESTAURANT)
        report = build_report(diagnostic)
        assert report.territory.shown
        assert not report.category.shown and report.category.peers == 3
        assert "Hôtel" in report.category.label

    def test_only_completed_responses_of_the_same_campaign_count(
        self, office, version, campaign, diagnostic
    ):
        add_peers(campaign, 4)
        in_progress = ProviderFactory(office=office)
        Response.objects.create(
            office=office, campaign=campaign, provider=in_progress, version=version
        )
        other = make_campaign(office, version, slug="autre", year=2027)
        add_peers(other, 3)
        assert not build_report(diagnostic).territory.shown

    def test_an_axis_with_too_few_scores_is_masked(self, campaign, diagnostic):
        add_peers(campaign, 3)
        add_peers(campaign, 2, scores={**GOOD, "avis": None})
        report = build_report(diagnostic)
        assert report.territory.shown
        assert "avis" not in report.territory.axes
        assert report.territory.axes["web"] is not None


class TestChange:
    def test_change_since_the_previous_campaign(self, office, hotel, version, campaign):
        earlier = make_campaign(office, version, slug="diagnostic-2025", year=2025)
        completed_response(
            earlier,
            hotel,
            answers_for(dict.fromkeys(ALL_AXES, 25) | {"avis": None}),
            completed_at=timezone.make_aware(dt.datetime(2025, 2, 10, 10)),
        )
        report = build_report(completed_response(campaign, hotel, answers_for(ALL_AXES)))
        change = report.change
        assert change.campaign_name == "Diagnostic numérique 2025"
        assert change.completed_on == dt.date(2025, 2, 10)
        # Shown "de 25 à 63 (+38)": the change is that of the figures shown.
        assert (change.overall_before, change.overall_after, change.overall_delta) == (
            25,
            62.5,
            38,
        )
        # "avis" was not scored before: only the axes scored both times are compared.
        assert [(a.code, a.before, a.after, a.delta) for a in change.axes] == [
            ("equipement", 25, 100, 75),
            ("web", 25, 75, 50),
            ("visibilite", 25, 75, 50),
            ("reservation", 25, 25, 0),
            ("reseaux", 25, 100, 75),
        ]
        assert report.chart.table.headers[-1] == "Diagnostic précédent (2025)"

    def test_no_change_on_a_first_diagnostic_or_from_a_later_campaign(
        self, office, hotel, version, campaign, diagnostic
    ):
        later = make_campaign(office, version, slug="diagnostic-2027", year=2027)
        completed_response(later, hotel, answers_for(GOOD))
        assert build_report(diagnostic).change is None


def test_query_count_does_not_grow_with_the_campaign(office, version, hotel):
    def queries_for(peers: int) -> int:
        campaign = make_campaign(office, version, slug=f"c-{peers}", year=2020 + peers)
        earlier = make_campaign(office, version, slug=f"e-{peers}", year=2000 + peers)
        completed_response(earlier, hotel, answers_for(GOOD))
        add_peers(campaign, peers)
        response = completed_response(campaign, hotel, answers_for(ALL_AXES))
        fresh = Response.objects.get(pk=response.pk)
        with CaptureQueriesContext(connection) as captured:
            build_report(fresh)
        return len(captured)

    # 7, the site audit (balise.audits.gaps), what the office offers on the workshops (3)
    assert queries_for(1) == queries_for(12) <= 12


@pytest.mark.django_db
class TestPages:
    def test_reader_sees_the_page_without_the_send_button(
        self, client_for, reader, office, diagnostic
    ):
        page = client_for(reader).get(url("report", office, response_id=diagnostic.pk))
        assert page.status_code == 200
        html = page.content.decode()
        assert "Hôtel du Vieux Pont" in html and "Avancé" in html
        assert 'role="img"' in html
        assert url("report_pdf", office, response_id=diagnostic.pk) in html
        assert url("report_send", office, response_id=diagnostic.pk) not in html
        assert "private" in page["Cache-Control"] and "no-store" in page["Cache-Control"]
        assert ' style="' not in html and "<style" not in html

    def test_reader_downloads_pdf_and_zip_but_cannot_send(
        self, client_for, reader, office, campaign, diagnostic
    ):
        client = client_for(reader)
        pdf = client.get(url("report_pdf", office, response_id=diagnostic.pk))
        assert pdf["Content-Type"] == "application/pdf"
        assert pdf.content.startswith(b"%PDF")
        archive = client.get(url("campaign_reports_zip", office, campaign_id=campaign.pk))
        assert archive["Content-Type"] == "application/zip"
        names = zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))).namelist()
        assert names == [f"diagnostic-hotel-du-vieux-pont-{diagnostic.pk}.pdf"]
        assert client.post(url("report_send", office, response_id=diagnostic.pk)).status_code == 403

    def test_a_mail_server_failure_is_explained_not_a_500(
        self, client_for, animator, office, diagnostic, monkeypatch
    ):
        import smtplib

        def refuse(*args, **kwargs):
            raise smtplib.SMTPServerDisconnected("gone")

        monkeypatch.setattr("django.core.mail.message.EmailMessage.send", refuse)
        client = client_for(animator)
        sent = client.post(url("report_send", office, response_id=diagnostic.pk), follow=True)
        assert sent.status_code == 200
        assert "n&#x27;a pas accepté le message" in sent.content.decode()

    def test_unfinished_response_has_no_report(self, client_for, reader, office, campaign):
        provider = ProviderFactory(office=office)
        started = Response.objects.create(
            office=office, campaign=campaign, provider=provider, version=campaign.version
        )
        response = client_for(reader).get(url("report", office, response_id=started.pk))
        assert response.status_code == 404

    def test_animator_sends_the_report(self, client_for, animator, office, diagnostic):
        page = client_for(animator).post(
            url("report_send", office, response_id=diagnostic.pk), follow=True
        )
        assert "Le rapport est envoyé à" in page.content.decode()
        [message] = mail.outbox
        assert message.to == [diagnostic.provider.email]
        assert message.attachments[0][2] == "application/pdf"

    def test_no_email_no_send(self, client_for, animator, office, diagnostic):
        diagnostic.provider.email = ""
        diagnostic.provider.save()
        page = client_for(animator).get(url("report", office, response_id=diagnostic.pk))
        assert "ne peut pas être envoyé" in page.content.decode()
        page = client_for(animator).post(
            url("report_send", office, response_id=diagnostic.pk), follow=True
        )
        assert "pas d&#x27;adresse e-mail" in page.content.decode()
        assert mail.outbox == []


class TestPdf:
    def test_pdf_renders_clean_pages(self, campaign, diagnostic, tmp_path):
        add_peers(campaign, MIN_PEERS)
        data = render_report_pdf(diagnostic)
        assert data.startswith(b"%PDF")
        document = pdfium.PdfDocument(data)
        try:
            assert len(document) == 3
            text = "".join(
                document[index].get_textpage().get_text_range() for index in range(len(document))
            )
            image = document[0].render(scale=1).to_pil().convert("L")
        finally:
            document.close()
        assert "Hôtel du Vieux Pont" in text
        assert "Avancé" in text
        assert "Office de tourisme du Haut-Vallon" in text
        assert "Page 1 / 3" in text
        # Not blank: a good share of the page is ink, and more than one shade of it.
        histogram = image.histogram()
        dark = sum(histogram[:200])
        assert dark > 0.02 * image.width * image.height
        assert len([count for count in histogram if count]) > 20
        image.save(tmp_path / "page1.png")


class TestEmail:
    def test_sent_without_marketing_consent_and_without_marketing(self, diagnostic):
        assert diagnostic.provider.marketing_consent is False
        assert send_report(response=diagnostic) is True
        [message] = mail.outbox
        assert "Hôtel du Vieux Pont" in message.body
        assert "Bonjour Léa" in message.body
        assert "Renforcer « E-réputation »" in message.body
        assert "liste de diffusion" in message.body
        assert "http" not in message.body
        assert message.subject.startswith("Votre rapport de diagnostic numérique")
        name, content, mimetype = message.attachments[0]
        assert (name.endswith(".pdf"), content[:4], mimetype) == (True, b"%PDF", "application/pdf")

    def test_nothing_sent_without_an_email(self, diagnostic):
        diagnostic.provider.email = ""
        diagnostic.provider.save()
        assert send_report(response=diagnostic) is False
        assert mail.outbox == []


class TestCommandAndZip:
    def test_zip_holds_one_pdf_per_completed_response(self, office, campaign, diagnostic, tmp_path):
        add_peers(campaign, 2)
        Response.objects.create(
            office=office,
            campaign=campaign,
            provider=ProviderFactory(office=office),
            version=campaign.version,
        )
        target = tmp_path / "rapports.zip"
        assert write_campaign_zip(campaign, target) == 3
        with zipfile.ZipFile(target) as archive:
            names = archive.namelist()
            assert len(names) == 3 and all(name.endswith(".pdf") for name in names)
            assert all(archive.read(name).startswith(b"%PDF") for name in names)

    def test_command_writes_one_pdf_or_a_zip(self, office, campaign, diagnostic, tmp_path):
        one = tmp_path / "un.pdf"
        call_command(
            "report", campaign=campaign.slug, provider=diagnostic.provider_id, out=str(one)
        )
        assert one.read_bytes().startswith(b"%PDF")
        every = tmp_path / "tous.zip"
        out = io.StringIO()
        call_command(
            "report", campaign=campaign.slug, office=office.slug, out=str(every), stdout=out
        )
        assert zipfile.ZipFile(every).namelist() == [
            f"diagnostic-hotel-du-vieux-pont-{diagnostic.pk}.pdf"
        ]
        assert "1 rapport" in out.getvalue()

    def test_command_errors_are_french(self, office, campaign, diagnostic, other_office, tmp_path):
        out = str(tmp_path / "x.pdf")
        with pytest.raises(CommandError, match="Campagne inconnue"):
            call_command("report", campaign="nope", out=out)
        with pytest.raises(CommandError, match="Prestataire inconnu"):
            call_command("report", campaign=campaign.slug, provider=999999, out=out)
        unfinished = ProviderFactory(office=office)
        with pytest.raises(CommandError, match="pas de diagnostic terminé"):
            call_command("report", campaign=campaign.slug, provider=unfinished.pk, out=out)
        make_campaign(other_office, campaign.version, slug=campaign.slug)
        with pytest.raises(CommandError, match="--office"):
            call_command("report", campaign=campaign.slug, out=out)

    def test_command_refuses_an_empty_campaign(self, office, version, tmp_path):
        empty = make_campaign(office, version, slug="vide")
        with pytest.raises(CommandError, match="aucun diagnostic terminé"):
            call_command("report", campaign=empty.slug, out=str(tmp_path / "x.zip"))
