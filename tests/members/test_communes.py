"""Communes written as people write them find their INSEE code, or the preview says why not."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from balise.members import imports
from balise.members.communes import CommuneResolver, commune_key, new_commune, reference
from balise.members.management.commands.build_communes import build_rows
from balise.members.models import Commune, Provider
from tests.factories import CommuneFactory, ProviderFactory

HEADER = "Nom;Adresse;CP;Ville;Code INSEE\n"


def csv_import(office, tmp_path, lines: list[str], *, apply=True):
    path = tmp_path / "adherents.csv"
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    records = imports.read_records(format="csv", paths=[path], office=office)
    plan = imports.plan_import(office=office, records=records)
    if apply:
        imports.apply_import(office=office, plan=plan)
    return plan


def commune_of(office, name):
    commune = Provider.objects.select_related("commune").get(office=office, name=name).commune
    return (commune.insee_code, commune.name) if commune else None


@pytest.fixture
def territory(office):
    """The office's communes: two real ones and a made-up one no national list knows."""
    communes = [
        CommuneFactory(insee_code="34274", name="Saint-Martin-de-Londres", postal_code="34380"),
        CommuneFactory(insee_code="30350", name="Le Vigan", postal_code="30120"),
        CommuneFactory(insee_code="30609", name="Malbosc-des-Cévennes", postal_code="30570"),
    ]
    for commune in communes:
        ProviderFactory(office=office, commune=commune)
    return communes


@pytest.mark.parametrize(
    ("written", "official"),
    [
        ("St Martin de Londres", "Saint-Martin-de-Londres"),
        ("ST-MARTIN-DE-LONDRES", "Saint-Martin-de-Londres"),
        ("Vigan (Le)", "Le Vigan"),
        ("LE VIGAN", "Le Vigan"),
        ("Malbosc des Cevennes", "Malbosc-des-Cévennes"),
        ("Ste Croix Vallée Française", "Sainte-Croix-Vallée-Française"),
        ("Châteauneuf s/ Loire", "Châteauneuf-sur-Loire"),
        ("L'Isle sur la Sorgue", "L'Isle-sur-la-Sorgue"),
        ("Isle-sur-la-Sorgue (L')", "L'Isle-sur-la-Sorgue"),
        ("30120 Le Vigan", "Le Vigan"),
        ("NIMES CEDEX 9", "Nîmes"),
        ("Cœuvres et Valsery", "Cœuvres-et-Valsery"),
    ],
)
def test_french_variants_share_one_key(written, official):
    assert commune_key(written) == commune_key(official)


def test_the_article_is_kept_when_asked_for():
    assert commune_key("Sauve") == commune_key("La Sauve")
    assert commune_key("Sauve", exact=True) != commune_key("La Sauve", exact=True)
    assert commune_key("Vigan (Le)", exact=True) == commune_key("Le Vigan", exact=True)


def test_a_csv_naming_the_offices_communes_loosely_gets_them(office, territory, tmp_path):
    plan = csv_import(
        office,
        tmp_path,
        [
            "Gîte du Causse;1 rue Basse;34380;St Martin de Londres;",
            "Hôtel du Parc;2 place du Quai;;Vigan (Le);",
            "Ferme des Aires;Les Aires;;MALBOSC DES CEVENNES;",
        ],
    )

    assert [row.messages for row in plan.rows] == [[], [], []]
    assert commune_of(office, "Gîte du Causse") == ("34274", "Saint-Martin-de-Londres")
    assert commune_of(office, "Hôtel du Parc") == ("30350", "Le Vigan")
    assert commune_of(office, "Ferme des Aires") == ("30609", "Malbosc-des-Cévennes")


def test_a_commune_of_the_national_reference_is_created_with_its_official_name(office, tmp_path):
    plan = csv_import(office, tmp_path, ["Mas Cévenol;;30140;ANDUZE;"])

    assert plan.rows[0].messages == []
    assert commune_of(office, "Mas Cévenol") == ("30010", "Anduze")
    assert Commune.objects.get(insee_code="30010").postal_code == "30140"


def test_an_unknown_commune_is_a_warning_and_is_never_created(office, territory, tmp_path):
    plan = csv_import(
        office,
        tmp_path,
        [
            "Gîte perdu;;;Trifouillis-les-Oies;",
            "Camping fantôme;;;;99999",
        ],
    )

    assert plan.rows[0].messages == ["commune « Trifouillis-les-Oies » inconnue"]
    assert plan.rows[1].messages == [
        "code INSEE « 99999 » inconnu : la fiche ne sera rattachée à aucune commune"
    ]
    assert commune_of(office, "Gîte perdu") is None
    assert commune_of(office, "Camping fantôme") is None
    assert not Commune.objects.filter(insee_code="99999").exists()


def test_an_unknown_insee_code_falls_back_on_the_name(office, tmp_path):
    plan = csv_import(office, tmp_path, ["Moulin;;30140;Anduze;30999"])

    assert plan.rows[0].messages == [
        "code INSEE « 30999 » inconnu : commune reconnue par son nom, Anduze (30010)"
    ]
    assert commune_of(office, "Moulin") == ("30010", "Anduze")


def test_a_name_shared_by_several_communes_needs_a_postal_code(office, tmp_path):
    plan = csv_import(
        office,
        tmp_path,
        ["Auberge;;;Saint-Aubin;", "Relais;;47150;Saint-Aubin;", "Café;;62170;St Aubin;"],
    )

    warning = plan.rows[0].messages[0]
    assert warning.startswith("plusieurs communes s'appellent « Saint-Aubin » (Saint-Aubin, ")
    assert warning.endswith(" : ajoutez le code postal ou le code INSEE")
    assert commune_of(office, "Auberge") is None
    assert commune_of(office, "Relais") == ("47230", "Saint-Aubin")
    assert commune_of(office, "Café") == ("62742", "Saint-Aubin")


def test_the_postal_code_tells_homonyms_apart(office, tmp_path):
    """Le Vigan in the Gard, and the Lot's former Le Vigan (now Le Vigan-en-Quercy)."""
    plan = csv_import(
        office, tmp_path, ["Gard;;30120;Le Vigan;", "Lot;;46300;Le Vigan;", "Sans CP;;;Le Vigan;"]
    )

    assert commune_of(office, "Gard") == ("30350", "Le Vigan")
    assert commune_of(office, "Lot") == ("46334", "Le Vigan-en-Quercy")
    assert commune_of(office, "Sans CP") is None
    assert plan.rows[2].messages[0].startswith("plusieurs communes s'appellent « Le Vigan »")


def test_without_a_postal_code_the_offices_own_commune_wins(office, territory, tmp_path):
    csv_import(office, tmp_path, ["Hôtel;;;Le Vigan;"])

    assert commune_of(office, "Hôtel") == ("30350", "Le Vigan")


def test_the_written_article_tells_sauve_from_la_sauve(office, tmp_path):
    plan = csv_import(office, tmp_path, ["A;;;Sauve;", "B;;;La Sauve;"])

    assert [row.messages for row in plan.rows] == [[], []]
    assert commune_of(office, "A") == ("30311", "Sauve")
    assert commune_of(office, "B") == ("33505", "La Sauve")


def test_a_delegated_commune_leads_to_its_commune_nouvelle(office, tmp_path):
    plan = csv_import(office, tmp_path, ["Ferme;;01380;Bâgé-la-Ville;", "Gîte;;;;01144"])

    assert commune_of(office, "Ferme") == ("01025", "Bâgé-Dommartin")
    assert plan.rows[0].messages == [
        "« Bâgé-la-Ville » : commune déléguée de Bâgé-Dommartin (01025)"
    ]
    assert commune_of(office, "Gîte") == ("01025", "Bâgé-Dommartin")
    assert plan.rows[1].messages == [
        "code INSEE 01144 (Dommartin) : commune déléguée de Bâgé-Dommartin (01025)"
    ]


def test_a_postal_code_alone_is_enough_when_it_has_one_commune(office, tmp_path):
    plan = csv_import(office, tmp_path, ["Cave;;30127;;", "Mas;;30120;;"])

    assert commune_of(office, "Cave") == ("30034", "Bellegarde")
    assert plan.rows[1].messages == [
        "le code postal 30120 couvre 12 communes : indiquez la commune"
    ]
    assert commune_of(office, "Mas") is None


def test_a_reimport_gives_a_provider_its_missing_commune(office, territory, tmp_path):
    provider = ProviderFactory(office=office, name="Gîte du Causse", commune=None, city="")

    plan = csv_import(office, tmp_path, ["Gîte du Causse;;34380;St-Martin-de-Londres;"])

    assert plan.rows[0].provider == provider
    assert plan.rows[0].changes["insee_code"] == ("", "34274")
    assert commune_of(office, "Gîte du Causse") == ("34274", "Saint-Martin-de-Londres")


def test_an_unchanged_row_with_a_warning_is_shown_in_the_preview(
    client_for, animator, office, tmp_path
):
    ProviderFactory(office=office, name="Gîte perdu", commune=None, city="Trifouillis")
    content = (HEADER + "Gîte perdu;;;Trifouillis;\n").encode()
    client = client_for(animator)
    start = reverse("members:import_start", kwargs={"office_slug": office.slug})
    response = client.post(
        start,
        {
            "format": "csv",
            "new_status": "adherent",
            "file": SimpleUploadedFile("a.csv", content),
        },
        follow=True,
    )
    form = response.context["form"]
    preview = client.post(
        response.redirect_chain[-1][0],
        {name: form[name].initial or "" for name in form.fields},
        follow=True,
    )

    assert preview.context["preview"]["counts"]["unchanged"] == 1
    assert "commune « Trifouillis » inconnue" in preview.content.decode()


def test_the_command_prints_commune_warnings(office, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(HEADER + "Gîte perdu;;;Trifouillis;\n", encoding="utf-8")
    out = io.StringIO()

    call_command(
        "import_members", str(path), office=office.slug, format="csv", dry_run=True, stdout=out
    )

    assert "ligne 2 : commune « Trifouillis » inconnue" in out.getvalue()


def test_apidae_without_its_communes_file_uses_the_postal_code(office, tmp_path):
    """Apidae's numeric commune ids are its own: without communes.json, the postal code."""
    hotel = {
        "id": 1,
        "type": "HOTELLERIE",
        "nom": {"libelleFr": "Hôtel de la Gare"},
        "localisation": {"adresse": {"codePostal": "30127", "commune": {"id": 12345}}},
    }
    path = tmp_path / "hotel.json"
    path.write_text(json.dumps(hotel), encoding="utf-8")
    records = imports.read_records(format="apidae", paths=[path], office=office)
    imports.apply_import(office=office, plan=imports.plan_import(office=office, records=records))

    assert commune_of(office, "Hôtel de la Gare") == ("30034", "Bellegarde")


def test_the_resolver_reads_the_table_only_for_codes_it_does_not_know(
    office, django_assert_num_queries
):
    made_up = CommuneFactory(insee_code="30690", name="Valcrose")

    with django_assert_num_queries(0):
        CommuneResolver(own=[], insee_codes={"30010", "30350"})
    with django_assert_num_queries(1):
        resolver = CommuneResolver(own=[], insee_codes={"30010", made_up.insee_code})
    assert resolver.resolve(insee_code="30690").code == "30690"


def test_new_commune_takes_the_official_name_and_a_postal_code_of_the_commune():
    nimes = new_commune("30189", postal_code="30900")
    assert (nimes.name, nimes.postal_code) == ("Nîmes", "30900")
    assert new_commune("30189", postal_code="75001").postal_code == "30000"
    assert new_commune("99999") is None


def test_the_reference_covers_the_whole_country():
    ref = reference()
    assert len(ref.places) > 34_000
    assert ref.places["2A004"].name == "Ajaccio"
    assert ref.places["97101"].name == "Les Abymes"
    assert "75015" in ref.places["75056"].postal_codes


def test_build_rows_ties_other_names_to_the_current_commune():
    communes = [
        {"code": "01025", "nom": "Bâgé-Dommartin", "type": "commune-actuelle",
         "codesPostaux": ["01380"], "anciensCodes": ["01144", "01999"]},
        {"code": "01026", "nom": "Bâgé-le-Châtel", "type": "commune-actuelle",
         "codesPostaux": ["01380"]},
        {"code": "01025", "nom": "Bâgé-la-Ville", "type": "commune-deleguee",
         "chefLieu": "01025"},
        {"code": "01144", "nom": "Dommartin", "type": "commune-deleguee", "chefLieu": "01025"},
    ]  # fmt: skip
    postal_codes = [
        {"codePostal": "01380", "codeCommune": "01025", "nomCommune": "Bâgé-Dommartin",
         "libelleAcheminement": "BAGE DOMMARTIN"},
        {"codePostal": "01381", "codeCommune": "01025", "nomCommune": "Bâgé-Dommartin",
         "libelleAcheminement": "BAGE-LE-CHATEL"},
        {"codePostal": "01380", "codeCommune": "01026", "nomCommune": "Bâgé le Châtel",
         "libelleAcheminement": "BAGE LE CHATEL"},
    ]  # fmt: skip
    former = [[{"code": "01999", "nom": "Vieux-Bourg", "type": "commune-actuelle"}]]

    rows = build_rows(communes, postal_codes, former)

    assert rows == [
        ("01025", "Bâgé-Dommartin", "01380 01381", "", ""),
        ("01999", "Vieux-Bourg", "", "01025", "ancienne"),
        ("01025", "Bâgé-la-Ville", "", "01025", "deleguee"),
        ("01144", "Dommartin", "", "01025", "deleguee"),
        ("01026", "Bâgé-le-Châtel", "01380", "", ""),
    ]


def test_staff_typing_an_insee_code_get_the_official_commune(client_for, animator, office):
    create = reverse("members:provider_create", kwargs={"office_slug": office.slug})
    data = {"name": "Gîte", "category": "meuble", "membership_status": "adherent"}
    client = client_for(animator)

    refused = client.post(create, {**data, "insee_code": "99999"})
    client.post(create, {**data, "city": "St-Jean", "insee_code": "30189"})

    assert refused.context["form"].errors["insee_code"] == [
        "Aucune commune n'a le code INSEE 99999."
    ]
    assert commune_of(office, "Gîte") == ("30189", "Nîmes")
    assert not Commune.objects.filter(insee_code="99999").exists()
