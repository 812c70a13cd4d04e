"""The audit checks: each one both ways on fixture pages, hostile input, the booking table."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from balise.audits import booking_engines
from balise.audits.checks import CHECKS, CheckResult, ProviderFacts, Verdict, run_checks
from balise.audits.checks.presence import phone_key
from balise.audits.fetcher import FetchResult
from balise.audits.page import Page, cut_deep_nesting

SITES = Path(__file__).parent / "sites"
TODAY = date(2026, 6, 15)
HOTEL = ProviderFacts(
    category="hotel",
    phone="+33 4 66 12 34 56",
    email="contact@hotel-du-pont.example",
    website="https://hotel-du-pont.example/",
    social_links={"facebook": "https://facebook.com/hoteldupont"},
)


def fetched(html: str | bytes = "", **overrides) -> FetchResult:
    body = html.encode() if isinstance(html, str) else html
    values = {
        "url_requested": "http://hotel-du-pont.example/",
        "url_final": "https://hotel-du-pont.example/",
        "ok": True,
        "status": 200,
        "redirects": [(301, "https://hotel-du-pont.example/")],
        "http_to_https": True,
        "https": True,
        "tls_valid": True,
        "headers": {"content-type": "text/html; charset=utf-8"},
        "content_type": "text/html",
        "encoding": "utf-8",
        "body": body,
        "text": html if isinstance(html, str) else "",
        "elapsed_ms": 420,
        "size_bytes": len(body),
        "fetched_at": datetime(2026, 6, 15, 10, 0, tzinfo=UTC),
    }
    values.update(overrides)
    return FetchResult(**values)


def site(name: str) -> str:
    return (SITES / name).read_text(encoding="utf-8")


def audit(html: str | bytes = "", provider: ProviderFacts = HOTEL, **overrides) -> dict:
    results = run_checks(fetched(html, **overrides), provider, today=TODAY)
    return {result.code: result for result in results}


@pytest.fixture(scope="module")
def good() -> dict[str, CheckResult]:
    return audit(site("good.html"))


@pytest.fixture(scope="module")
def bad() -> dict[str, CheckResult]:
    return audit(site("bad.html"), provider=replace(HOTEL, category="restaurant"))


EXPECTED_CODES = [
    "site.reachable", "security.https", "security.http_redirect", "security.certificate",
    "mobile.viewport", "speed.response_time", "weight.page", "seo.title", "seo.description",
    "social.opengraph", "schema.data", "schema.type_fits", "lang.declared", "lang.count",
    "legal.notices", "legal.privacy", "freshness", "contact.phone", "contact.email",
    "social.links", "booking.engine",
]  # fmt: skip


def test_registry_has_every_check_once():
    codes = [entry.code for entry in CHECKS]
    assert sorted(codes) == sorted(EXPECTED_CODES)
    assert len(set(codes)) == len(codes)


def test_good_site_passes_every_check(good):
    assert set(good) == set(EXPECTED_CODES)
    not_ok = {code: (r.verdict, r.evidence) for code, r in good.items() if r.verdict != Verdict.OK}
    assert not_ok == {}


def test_good_site_evidence(good):
    assert good["seo.title"].evidence == "« Hôtel du Pont – Hôtel 3 étoiles à Anduze »"
    assert good["schema.data"].data["types"] == ["WebSite", "Hotel"]
    assert good["booking.engine"].data["engines"][0]["name"] == "D-Edge (Availpro)"
    assert [e["name"] for e in good["booking.engine"].data["engines"]] == ["D-Edge (Availpro)"]
    assert good["lang.count"].data["languages"] == ["de", "en", "fr"]
    assert good["contact.phone"].data["consistent"] is True
    assert good["contact.email"].data["consistent"] is True
    assert set(good["social.links"].data["found"]) == {"facebook", "instagram"}
    assert good["freshness"].data["copyright_year"] == 2026
    assert good["weight.page"].data["images"] == 1


@pytest.mark.parametrize(
    ("code", "verdict"),
    [
        ("mobile.viewport", Verdict.TO_IMPROVE),
        ("seo.title", Verdict.TO_IMPROVE),
        ("seo.description", Verdict.TO_IMPROVE),
        ("social.opengraph", Verdict.TO_IMPROVE),
        ("schema.data", Verdict.OK),
        ("schema.type_fits", Verdict.TO_IMPROVE),
        ("lang.declared", Verdict.MISSING),
        ("lang.count", Verdict.MISSING),
        ("legal.notices", Verdict.MISSING),
        ("legal.privacy", Verdict.MISSING),
        ("freshness", Verdict.TO_IMPROVE),
        ("contact.phone", Verdict.TO_IMPROVE),
        ("contact.email", Verdict.TO_IMPROVE),
        ("social.links", Verdict.TO_IMPROVE),
        ("booking.engine", Verdict.TO_IMPROVE),
    ],
)
def test_bad_site_fails(bad, code, verdict):
    result = bad[code]
    assert result.verdict == verdict, result.evidence
    if verdict != Verdict.OK:
        assert str(result.advice)  # anything not ok tells what to do
    assert result.evidence


def test_bad_site_evidence(bad):
    assert "Organization" in bad["schema.type_fits"].evidence
    assert "Booking.com" in bad["booking.engine"].evidence
    assert bad["contact.phone"].data["consistent"] is False
    assert bad["freshness"].data["copyright_year"] == 2015
    assert bad["social.links"].data["mismatched"] == ["facebook"]


def test_empty_page_gives_missing():
    results = audit("<!doctype html><html><body><p>Rien.</p></body></html>")
    for code in [
        "mobile.viewport", "seo.title", "seo.description", "social.opengraph", "schema.data",
        "schema.type_fits", "lang.declared", "contact.phone", "contact.email", "social.links",
        "booking.engine", "legal.notices", "legal.privacy",
    ]:  # fmt: skip
        assert results[code].verdict == Verdict.MISSING, code
    assert results["freshness"].verdict == Verdict.UNKNOWN


def test_microdata_restaurant_and_widget_in_iframe():
    provider = ProviderFacts(category="restaurant", phone="0466001122")
    results = audit(site("microdata.html"), provider=provider)
    assert results["schema.data"].data["types"] == ["Restaurant"]
    assert results["schema.type_fits"].verdict == Verdict.OK
    assert results["booking.engine"].evidence == "Module de réservation détecté : Zenchef."
    assert results["contact.phone"].verdict == Verdict.OK
    assert results["lang.declared"].data["lang"] == "fr-FR"
    assert results["legal.notices"].verdict == Verdict.OK  # found by its URL


# technical checks ---------------------------------------------------------------------


def test_unreachable_site():
    results = audit(
        ok=False, status=None, error="timeout", error_detail="Le serveur n'a pas répondu à temps.",
        https=False, tls_valid=None, http_to_https=None,
    )  # fmt: skip
    assert results["site.reachable"].verdict == Verdict.MISSING
    assert results["site.reachable"].evidence == "Le serveur n'a pas répondu à temps."
    for code in EXPECTED_CODES[1:]:
        assert results[code].verdict == Verdict.UNKNOWN, code


def test_http_error_status_is_unreachable():
    results = audit("<html><title>Not found page</title></html>", status=404)
    assert results["site.reachable"].verdict == Verdict.MISSING
    assert "404" in results["site.reachable"].evidence
    assert results["seo.title"].verdict == Verdict.UNKNOWN
    assert results["security.https"].verdict == Verdict.OK


def test_http_only_site():
    results = audit(
        site("good.html"), url_final="http://hotel-du-pont.example/", https=False,
        tls_valid=None, http_to_https=False, redirects=[],
    )  # fmt: skip
    assert results["security.https"].verdict == Verdict.MISSING
    assert results["security.http_redirect"].verdict == Verdict.MISSING
    assert results["security.certificate"].verdict == Verdict.MISSING


def test_https_without_redirect_and_unprobed():
    assert audit(http_to_https=False)["security.http_redirect"].verdict == Verdict.TO_IMPROVE
    unprobed = audit(http_to_https=None, url_requested="https://hotel-du-pont.example/")
    assert unprobed["security.http_redirect"].verdict == Verdict.UNKNOWN


def test_invalid_certificate():
    results = audit(ok=False, status=None, error="tls", tls_valid=False)
    assert results["security.certificate"].verdict == Verdict.MISSING
    assert results["security.https"].verdict == Verdict.UNKNOWN


@pytest.mark.parametrize(
    ("ms", "verdict", "slow"),
    [(300, Verdict.OK, None), (1500, Verdict.TO_IMPROVE, False), (4200, Verdict.TO_IMPROVE, True)],
)
def test_response_time(ms, verdict, slow):
    result = audit("<html></html>", elapsed_ms=ms)["speed.response_time"]
    assert result.verdict == verdict
    assert result.data.get("slow") == slow
    if ms == 1500:
        assert result.evidence == "La page a mis 1,5 s à répondre (objectif : moins d'une seconde)."


def test_page_weight():
    assert audit("<html></html>")["weight.page"].verdict == Verdict.OK
    heavy = "<html><body>" + '<img src="/p.jpg">' * 80 + "</body></html>"
    result = audit(heavy)["weight.page"]
    assert result.verdict == Verdict.TO_IMPROVE
    assert result.data["images"] == 80
    big = audit("<html></html>", size_bytes=2_000_000, truncated=True)["weight.page"]
    assert big.verdict == Verdict.TO_IMPROVE
    assert "tronquée" in big.evidence


def test_viewport_blocking_zoom():
    html = '<meta name="viewport" content="width=device-width, user-scalable=no">'
    assert audit(html)["mobile.viewport"].verdict == Verdict.TO_IMPROVE


# contact consistency -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("page_phone", "directory"),
    [
        ("04 66 12 34 56", "+33 4 66 12 34 56"),
        ("04.66.12.34.56", "0466123456"),
        ("+33 (0)4 66 12 34 56", "+33 4 66 12 34 56"),
        ("0033 4 66 12 34 56", "04 66 12 34 56"),
    ],
)
def test_phone_consistent_across_forms(page_phone, directory):
    html = f"<html><body><p>Appelez le {page_phone} !</p></body></html>"
    result = audit(html, provider=replace(HOTEL, phone=directory))["contact.phone"]
    assert result.verdict == Verdict.OK
    assert result.data["consistent"] is True
    assert phone_key(page_phone) == phone_key(directory) == "466123456"


def test_phone_without_directory_phone_is_ok():
    html = "<p>Tél : 06 12 34 56 78</p>"
    result = audit(html, provider=replace(HOTEL, phone=""))["contact.phone"]
    assert result.verdict == Verdict.OK
    assert result.data["consistent"] is None


def test_prices_and_dates_are_not_phones():
    html = "<p>Chambre 2024 à 89 €, ouvert du 01/04/2025 au 30/09/2025, SIRET 12345678900012</p>"
    assert audit(html)["contact.phone"].verdict == Verdict.MISSING


def test_email_case_insensitive_and_obvious_images_ignored():
    html = '<a href="mailto:Contact@Hotel-du-Pont.example?subject=Hi">écrire</a> logo@2x.png'
    result = audit(html)["contact.email"]
    assert result.verdict == Verdict.OK
    assert result.data["found"] == ["contact@hotel-du-pont.example"]


def test_social_links_match_directory_in_other_form():
    html = '<a href="https://m.facebook.com/HotelDuPont">fb</a>'
    assert audit(html)["social.links"].verdict == Verdict.OK
    share_only = '<a href="https://www.facebook.com/sharer/sharer.php?u=x">partager</a>'
    assert audit(share_only)["social.links"].verdict == Verdict.MISSING


# schema types --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "schema_type", "verdict"),
    [
        ("camping", "Campground", Verdict.OK),
        ("chambre_hotes", "BedAndBreakfast", Verdict.OK),
        ("hotel", "LocalBusiness", Verdict.TO_IMPROVE),
        ("restaurant", "FoodEstablishment", Verdict.OK),
        ("site_visite", "Museum", Verdict.OK),
        ("commerce", "BookStore", Verdict.OK),
        ("producteur", "LocalBusiness", Verdict.OK),
        ("association", "Organization", Verdict.OK),
        ("restaurant", "Hotel", Verdict.TO_IMPROVE),
        ("autre", "Organization", Verdict.OK),
        ("hotel", "WebSite", Verdict.MISSING),
    ],
)
def test_schema_type_fits_category(category, schema_type, verdict):
    html = (
        '<script type="application/ld+json">{"@context": "https://schema.org", '
        f'"@type": "{schema_type}", "name": "X"}}</script>'
    )
    result = audit(html, provider=ProviderFacts(category=category))["schema.type_fits"]
    assert result.verdict == verdict, result.evidence


def test_broken_json_ld_does_not_hide_microdata():
    html = (
        '<script type="application/ld+json">{"@type": "Hotel", oops</script>'
        '<div itemscope itemtype="http://schema.org/Hotel"><span itemprop="name">H</span></div>'
    )
    page = Page.from_fetch(fetched(html))
    assert "Hotel" in page.schema_types


# booking table -------------------------------------------------------------------------

SAMPLES = {
    "Elloha": '<script src="https://reservation.elloha.com/widget.js"></script>',
    "Reservit": '<a href="https://secure.reservit.com/reservit/reserhotel.php?hotelid=1">R</a>',
    "D-Edge (Availpro)": '<iframe src="https://www.secure-hotel-booking.com/x/1"></iframe>',
    "Amenitiz": '<a href="https://monhotel.amenitiz.io/fr/booking/room">Réserver</a>',
    "Thaïs": '<a href="https://monhotel.thais-hotel.com/direct-booking/calendar">R</a>',
    "MisterBooking": '<script src="https://www.misterbooking.net/widget/x.js"></script>',
    "Secureholiday (Thelis)": '<a href="https://www.secureholiday.net/camping/1234">R</a>',
    "Ctoutvert": '<iframe src="https://bookingpremium.secureholiday.ctoutvert.com/x"></iframe>',
    "Inaxel": '<script>var s="https://resa.inaxel.com/engine.js";</script>',
    "Itea (Gîtes de France)": '<a href="https://www.gites-de-france.com/fr/gite/30G1234">G</a>',
    "Open Pro / Open System (Alliance Réseaux)": '<iframe src="https://widget.open-system.fr/x"></iframe>',
    "Booking.com": '<a href="https://www.booking.com/hotel/fr/x.fr.html">Booking</a>',
    "Airbnb": '<a href="https://www.airbnb.fr/rooms/123">Airbnb</a>',
    "Zenchef": '<script src="https://sdk.zenchef.com/v1/sdk.min.js"></script>',
    "TheFork (LaFourchette)": '<a href="https://www.thefork.fr/restaurant/x-r1">Réserver</a>',
    "Guestonline": '<iframe src="https://ib.guestonline.io/instabook/bookings/abc"></iframe>',
    "Regiondo": '<script src="https://cdn.regiondo.net/js/integration.js"></script>',
    "Bookeo": '<a href="https://bookeo.com/monactivite">Réserver</a>',
    "FareHarbor": '<a href="https://fareharbor.com/embeds/book/x/">Book</a>',
    "Checkfront": '<iframe src="https://x.checkfront.com/reserve/"></iframe>',
    "Weezevent": '<iframe src="https://widget.weezevent.com/ticket/E1"></iframe>',
    "Billetweb": '<a href="https://www.billetweb.fr/festival">Billets</a>',
    "HelloAsso": '<iframe src="https://www.helloasso.com/associations/x/widget"></iframe>',
}


def test_every_booking_engine_has_a_sample():
    assert set(SAMPLES) == {engine.name for engine in booking_engines.BOOKING_ENGINES}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_booking_engine_detected(name):
    page = Page.from_fetch(fetched(f"<html><body>{SAMPLES[name]}</body></html>"))
    found = booking_engines.detect(page.resource_urls, page.inline_scripts)
    assert [d.engine.name for d in found] == [name]
    engine = found[0].engine
    assert engine.kind in {
        booking_engines.ACCOMMODATION,
        booking_engines.FOOD,
        booking_engines.ACTIVITIES,
        booking_engines.TICKETING,
    }


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/booking-com-avis",
        "https://visite-anduze.fr/",
        "https://example.com/page?q=facebook",
        "https://mybooking.company/",
        "https://citeadelle.fr/",
    ],
)
def test_booking_engine_no_false_positive(url):
    assert booking_engines.detect([url]) == []


def test_booking_not_applicable_to_associations_without_engine():
    result = audit("<p>rien</p>", provider=ProviderFacts(category="association"))
    assert result["booking.engine"].verdict == Verdict.UNKNOWN
    assert result["booking.engine"].data["applicable"] is False


# hostile input --------------------------------------------------------------------------


def test_deeply_nested_page_parses_quickly():
    html = "<html><head><title>Profond mais valide</title></head><body>" + "<div>" * 200_000
    html += "x" + "</div>" * 200_000 + "</body></html>"
    assert len(html) > 2_000_000
    start = time.perf_counter()
    results = audit(html)
    assert time.perf_counter() - start < 5
    assert results["seo.title"].verdict == Verdict.OK
    assert all(isinstance(r, CheckResult) for r in results.values())


def test_cut_deep_nesting_ignores_script_text_and_unclosed_paragraphs():
    html = "<script>" + "<div>" * 5000 + "</script>" + "<p>x" * 5000
    assert cut_deep_nesting(html) == (html, False)
    cut, was_cut = cut_deep_nesting("<b>" * 2000)
    assert was_cut and len(cut) == 3 * 1000


def test_binary_garbage_never_raises():
    garbage = bytes(range(256)) * 4000
    results = audit(garbage, text=garbage.decode("latin-1"))
    assert results["site.reachable"].verdict == Verdict.OK
    assert all(isinstance(r.verdict, Verdict) for r in results.values())


def test_non_html_answer_gives_unknown():
    results = audit(b"%PDF-1.4 ...", content_type="application/pdf", text="")
    assert results["seo.title"].verdict == Verdict.UNKNOWN
    assert results["seo.title"].evidence == "La réponse n'est pas une page HTML."
    assert results["site.reachable"].verdict == Verdict.OK


def test_html_without_head_multiple_titles_and_script_in_title():
    html = (
        "<title>&lt;script&gt;alert(1)&lt;/script&gt; Gîte des Cévennes à Lasalle</title>"
        "<title>Second titre</title><p>texte</p>"
    )
    result = audit(html)["seo.title"]
    assert result.verdict == Verdict.TO_IMPROVE
    assert result.data["titles"] == 2
    assert "<script>alert(1)</script>" in result.evidence  # plain text, escaped when shown


def test_huge_attribute_values_and_control_characters():
    huge = "x" * 1_000_000
    html = (
        f'<html lang="{huge}"><meta name="description" content="{huge}">'
        f"<title>Titre\x00 avec\x07 contrôle\u200b et retour\nà la ligne</title>"
        f'<a href="https://{huge}.example/">lien</a></html>'
    )
    results = audit(html)
    assert len(results["seo.description"].evidence) <= 200
    assert results["seo.title"].evidence == "« Titre avec contrôle et retour à la ligne »"
    assert all(len(r.evidence) <= 200 for r in results.values())


def test_wrong_encoding_text_still_checked():
    body = "<title>Hôtel à Alès, près des Cévennes</title>".encode("latin-1")
    results = audit(body, text=body.decode("utf-8", errors="replace"))
    assert results["seo.title"].verdict == Verdict.OK


def test_a_crashing_check_becomes_unknown(monkeypatch):
    entry = CHECKS[7]

    def boom(page, *, provider):
        raise RuntimeError("bug")

    patched = list(CHECKS)
    patched[7] = replace(entry, function=boom)
    monkeypatch.setattr("balise.audits.checks.CHECKS", patched)
    result = audit("<html></html>")[entry.code]
    assert result.verdict == Verdict.UNKNOWN


def test_freshness_from_last_modified_header():
    headers = {"last-modified": "Wed, 01 Apr 2026 08:00:00 GMT"}
    assert audit("<p>rien</p>", headers=headers)["freshness"].verdict == Verdict.OK
    old = {"last-modified": "Tue, 01 Apr 2020 08:00:00 GMT"}
    assert audit("<p>rien</p>", headers=old)["freshness"].verdict == Verdict.TO_IMPROVE
    assert (
        audit("<p>rien</p>", headers={"last-modified": "n'importe quoi"})["freshness"].verdict
        == Verdict.UNKNOWN
    )


def test_as_dict_is_json_friendly():
    import json

    results = run_checks(fetched(site("good.html")), HOTEL, today=TODAY)
    payload = json.dumps([r.as_dict() for r in results], ensure_ascii=False)
    assert '"verdict": "ok"' in payload


@pytest.mark.parametrize(
    "html",
    [
        "<select>" + "<option>x</option>" * 200_000 + "</select>",  # quadratic in lexbor
        "<div " + " ".join(f"a{i}=x" for i in range(200_000)) + ">",
        "<a>" * 200_000,
        '<script type="application/ld+json">' + "[" * 100_000 + "</script>",
    ],
    ids=["options", "attributes", "anchors", "json-ld-depth"],
)
def test_pathological_pages_stay_fast(html):
    start = time.perf_counter()
    results = audit(html)
    assert time.perf_counter() - start < 5
    assert len(results) == len(EXPECTED_CODES)
