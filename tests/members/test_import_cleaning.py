"""Value cleaners and category rules used by every importer (no database)."""

import datetime as dt
from decimal import Decimal

import pytest

from balise.members.importers.categories import (
    category_from_datatourisme_types,
    category_from_text,
    is_datatourisme_event,
    is_event_text,
)
from balise.members.importers.cleaning import (
    clean_coordinate,
    clean_email,
    clean_insee_code,
    clean_phone,
    clean_postal_code,
    clean_social,
    clean_url,
    clean_year,
    parse_membership,
    parse_yes_no,
    social_network_of,
    split_list,
    stars_from_text,
)
from balise.members.models import Category


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("04 66 12 34 56", "+33 4 66 12 34 56"),
        ("04.66.12.34.56", "+33 4 66 12 34 56"),
        ("0466123456", "+33 4 66 12 34 56"),
        ("04-66-12-34-56", "+33 4 66 12 34 56"),
        ("+33 4 66 12 34 56", "+33 4 66 12 34 56"),
        ("+33 (0)4 66 12 34 56", "+33 4 66 12 34 56"),
        ("0033466123456", "+33 4 66 12 34 56"),
        (466123456, "+33 4 66 12 34 56"),  # a spreadsheet number lost its leading 0
        (466123456.0, "+33 4 66 12 34 56"),
        ("06 12 34 56 78 / 04 66 00 00 00", "+33 6 12 34 56 78"),
        ("04 66 12 34 56 ou 06 12 34 56 78", "+33 4 66 12 34 56"),
        ("0590 12 34 56", "+590 590 12 34 56"),
        ("+32 2 123 45 67", "+32 2 123 45 67"),
        ("", ""),
        (None, ""),
    ],
)
def test_phone_numbers_are_written_one_way(raw, expected):
    assert clean_phone(raw) == expected


@pytest.mark.parametrize("raw", ["04 66 12 34", "appeler le soir", "0066"])
def test_bad_phone_numbers_are_refused_in_french(raw):
    with pytest.raises(ValueError, match="numéro de téléphone invalide"):
        clean_phone(raw)


def test_emails_are_lower_cased_and_checked():
    assert clean_email(" Contact@Hotel-Gardon.FR ") == "contact@hotel-gardon.fr"
    assert clean_email("mailto:a@b.fr") == "a@b.fr"
    assert clean_email("a@b.fr; c@d.fr") == "a@b.fr"
    with pytest.raises(ValueError, match="adresse e-mail invalide « jean@ »"):
        clean_email("jean@")


def test_websites_get_a_scheme():
    assert clean_url("www.hotel-gardon.fr") == "https://www.hotel-gardon.fr"
    assert clean_url("HTTP://www.masbleu.fr") == "http://www.masbleu.fr"
    assert clean_url("http://www.chezjeannecreperie.com/") == "http://www.chezjeannecreperie.com/"
    with pytest.raises(ValueError, match="adresse web invalide"):
        clean_url("pas un site")


def test_social_links():
    assert social_network_of("https://www.facebook.com/latabledupont") == "facebook"
    assert social_network_of("https://twitter.com/ot") == "x"
    assert social_network_of("https://www.hotel.fr") == ""
    assert (
        clean_social("instagram", "@moulin_du_pont") == "https://www.instagram.com/moulin_du_pont"
    )
    assert (
        clean_social("facebook", "facebook.com/hoteldugardon")
        == "https://facebook.com/hoteldugardon"
    )


def test_places():
    assert clean_postal_code("30140") == "30140"
    assert clean_postal_code(1000) == "01000"  # leading zero dropped by a spreadsheet
    assert clean_insee_code("2a004") == "2A004"
    assert clean_insee_code(1001) == "01001"
    with pytest.raises(ValueError, match="code postal invalide"):
        clean_postal_code("Anduze")
    with pytest.raises(ValueError, match="code INSEE invalide"):
        clean_insee_code("300100")


def test_coordinates_accept_decimal_commas():
    assert clean_coordinate("44,0512", kind="latitude") == Decimal("44.051200")
    assert clean_coordinate(3.9843, kind="longitude") == Decimal("3.984300")
    assert clean_coordinate("49.4090531", kind="latitude") == Decimal("49.409053")
    assert clean_coordinate("", kind="latitude") is None
    with pytest.raises(ValueError, match="latitude invalide"):
        clean_coordinate("95", kind="latitude")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("oui", True),
        ("x", True),
        ("X", True),
        ("1", True),
        (1, True),
        ("Oui ", True),
        ("non", False),
        ("0", False),
        ("", None),
    ],
)
def test_yes_no_in_french(raw, expected):
    assert parse_yes_no(raw) is expected


def test_unknown_yes_no_is_an_error():
    with pytest.raises(ValueError, match="valeur oui/non non reconnue « peut-être »"):
        parse_yes_no("peut-être")


def test_years_and_membership():
    assert clean_year("2019") == 2019
    assert clean_year(2019.0) == 2019
    assert clean_year(dt.datetime(2021, 3, 1)) == 2021
    assert clean_year("2023-2024") == 2023
    with pytest.raises(ValueError, match="année invalide"):
        clean_year("l'an dernier")
    assert parse_membership("oui") == ("adherent", None)
    assert parse_membership("Adhérent 2023") == ("adherent", 2023)
    assert parse_membership("ancien") == ("ancien", None)
    assert parse_membership("non adhérent") == ("non_adherent", None)
    assert parse_membership("prospect") == ("prospect", None)


def test_lists_and_stars():
    assert split_list("Qualité Tourisme, Logis ; Accueil Vélo/qualité tourisme") == [
        "Qualité Tourisme",
        "Logis",
        "Accueil Vélo",
    ]
    assert split_list("#Qualité Tourisme") == ["Qualité Tourisme"]
    assert stars_from_text("Hôtel**") == "2 étoiles"
    assert stars_from_text("camping 3*") == "3 étoiles"
    assert stars_from_text("gîte") == ""


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Hôtel**", Category.HOTEL),
        ("gîte", Category.RENTAL),
        ("Meublé de tourisme", Category.RENTAL),
        ("Chambres d'hôtes", Category.BED_AND_BREAKFAST),
        ("camping 3*", Category.CAMPSITE),
        ("Hôtellerie de plein air", Category.CAMPSITE),
        ("Hôtellerie", Category.HOTEL),
        ("Gîte d'étape", Category.GROUP_LODGING),
        ("resto", Category.RESTAURANT),
        ("Restauration", Category.RESTAURANT),
        ("Bar-Tabac", Category.CAFE_BAR),
        ("musée", Category.VISITOR_SITE),
        ("Patrimoine culturel", Category.VISITOR_SITE),
        ("Cave", Category.PRODUCER),
        ("Dégustation", Category.PRODUCER),
        ("Canoë-kayak", Category.ACTIVITY),
        ("Commerces et services", Category.SHOP),
        ("Association", Category.ASSOCIATION),
    ],
)
def test_category_words(text, category):
    assert category_from_text(text) == category


def test_unknown_words_give_no_category():
    assert category_from_text("Divers") is None
    assert is_event_text("Fêtes et manifestations")
    assert not is_event_text("Hôtellerie")


def test_datatourisme_types_from_the_samples():
    gite = {
        "Accommodation",
        "LodgingBusiness",
        "PlaceOfInterest",
        "RentalAccommodation",
        "SelfCateringAccommodation",
    }
    assert category_from_datatourisme_types(gite) == Category.RENTAL
    creperie = {"FoodEstablishment", "Restaurant", "PlaceOfInterest", "PointOfInterest"}
    assert category_from_datatourisme_types(creperie) == Category.RESTAURANT
    abbey = {
        "Abbey",
        "Church",
        "CulturalSite",
        "ReligiousSite",
        "RemarkableBuilding",
        "PointOfInterest",
    }
    assert category_from_datatourisme_types(abbey) == Category.VISITOR_SITE
    assert (
        category_from_datatourisme_types({"ActivityProvider", "PointOfInterest"})
        == Category.ACTIVITY
    )
    assert category_from_datatourisme_types({"PointOfInterest"}) == Category.OTHER
    assert is_datatourisme_event({"Event", "PointOfInterest"})
    assert is_datatourisme_event({"EntertainmentAndEvent", "CulturalEvent"})
    assert not is_datatourisme_event(abbey)
