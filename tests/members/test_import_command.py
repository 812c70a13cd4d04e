"""`balise import_members`: the command-line import."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from balise.members.models import Provider

FIXTURES = Path(__file__).parents[1] / "fixtures"
MESSY_CSV = FIXTURES / "imports" / "adherents_haut_vallon.csv"
DATATOURISME = FIXTURES / "samples" / "datatourisme"


def import_members(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_members", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_then_reimport(office):
    out, _err = import_members(
        "--office", "haut-vallon", "--format", "datatourisme", str(DATATOURISME)
    )
    assert "Créés : 4\nMis à jour : 0\nInchangés : 0\nIgnorés : 0\nErreurs : 0" in out
    assert "Import terminé." in out
    assert Provider.objects.filter(office=office).count() == 4

    out, _err = import_members(
        "--office", "haut-vallon", "--format", "datatourisme", str(DATATOURISME)
    )
    assert "Créés : 0\nMis à jour : 0\nInchangés : 4" in out
    assert Provider.objects.filter(office=office).count() == 4


def test_dry_run_writes_nothing(office):
    out, _err = import_members(
        "--office", "haut-vallon", "--format", "csv", "--dry-run", str(MESSY_CSV)
    )
    assert "Créés : 9" in out
    assert "Simulation : rien n'a été enregistré." in out
    assert not Provider.objects.exists()


def test_errors_stop_the_import(office, tmp_path):
    path = tmp_path / "membres.csv"
    path.write_text("Nom;Mail\nHôtel du Lac;jean@\nGîte Vert;vert@gite.fr\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="Import refusé : 1 erreur"):
        call_command(
            "import_members",
            "--office",
            "haut-vallon",
            "--format",
            "csv",
            str(path),
            stdout=out,
            stderr=err,
        )
    assert "ligne 2 : adresse e-mail invalide « jean@ »" in err.getvalue()
    assert "Erreurs : 1" in out.getvalue()
    assert not Provider.objects.exists()


def test_mapping_file(office, tmp_path):
    mapping = tmp_path / "colonnes.json"
    mapping.write_text(
        json.dumps({"Nom commercial": "name", "Ville": "city", "Portable": "phone"}),
        encoding="utf-8",
    )
    import_members(
        "--office", "haut-vallon", "--format", "csv", "--mapping", str(mapping), str(MESSY_CSV)
    )
    gite = Provider.objects.get(name="Gîte Les Magnans")
    assert gite.phone == "+33 6 12 34 56 78"
    assert gite.email == ""  # "Mail" was not mapped


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--office", "inconnu", "--format", "csv", "x.csv"], "Office inconnu"),
        (["--office", "haut-vallon", "--format", "csv", "/nulle/part.csv"], "Fichier introuvable"),
        (
            [
                "--office",
                "haut-vallon",
                "--format",
                "datatourisme",
                str(FIXTURES / "imports" / "broken.json"),
            ],
            "JSON valide",
        ),
    ],
)
def test_bad_arguments(office, args, message):
    with pytest.raises(CommandError, match=message):
        import_members(*args)
