"""Hostile import files, built when needed (never stored: some expand to gigabytes).

Used by the import tests (small sizes) and by ``bench/bench_hostile_imports.py`` (the
sizes an attacker would use). Each builder writes one file at ``path`` and returns it.
"""

import io
import json
import zipfile
from pathlib import Path

import openpyxl

MB = 1024 * 1024
_CSV_LINE = "Gîte des Cévennes;12 rue du Pont;30140;Anduze;04 66 00 00 00;gite@example.org\n"


def _write_member(archive: zipfile.ZipFile, name: str, chunk: bytes, size: int) -> None:
    """A member of ``size`` bytes made of ``chunk`` repeated, written as a stream."""
    with archive.open(name, "w", force_zip64=True) as member:
        written = 0
        while written < size:
            piece = chunk[: size - written]
            member.write(piece)
            written += len(piece)


def zip_of_big_csvs(path: Path, *, count: int = 5, member_bytes: int = 400 * MB) -> Path:
    """A small zip holding several huge CSV files (five 400 MB tables in 7 MB)."""
    chunk = ("Nom;Adresse;Code postal;Commune;Téléphone;Mail\n" + _CSV_LINE * 20000).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for index in range(count):
            _write_member(archive, f"adherents-{index}.csv", chunk, member_bytes)
    return path


def zip_of_big_json(path: Path, *, size: int = 480 * MB) -> Path:
    """A small zip holding one huge JSON list of objects."""
    item = b'{"@id": "x", "dc:identifier": "X", "rdfs:label": {"fr": ["Gite"]}},'
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("objets.json", "w", force_zip64=True) as member,
    ):
        member.write(b"[")
        written = 1
        block = item * 10000
        while written < size:
            member.write(block)
            written += len(block)
        member.write(item[:-1] + b"]")
    return path


def _workbook_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rewrite_workbook(path: Path, rows: list[list], parts: dict[str, bytes | tuple]) -> Path:
    """A workbook of ``rows`` whose ``parts`` are replaced: bytes, or (chunk, size) to
    stream a big part made of ``chunk`` repeated."""
    source = zipfile.ZipFile(io.BytesIO(_workbook_bytes(rows)))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in source.infolist():
            if info.filename in parts:
                continue
            archive.writestr(info.filename, source.read(info))
        for name, content in parts.items():
            if isinstance(content, tuple):
                head, chunk, size, tail = content
                with archive.open(name, "w", force_zip64=True) as member:
                    member.write(head)
                    written = 0
                    block = chunk * max(1, MB // len(chunk))
                    while written < size:
                        member.write(block)
                        written += len(block)
                    member.write(tail)
            else:
                archive.writestr(name, content)
    return path


_SST_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def xlsx_with_big_shared_strings(path: Path, *, size: int = 1536 * MB) -> Path:
    """A small workbook whose shared strings expand to gigabytes."""
    return _rewrite_workbook(
        path,
        [["Nom", "Commune"], ["Gîte", "Anduze"]],
        {
            "xl/sharedStrings.xml": (
                _SST_HEAD,
                b"<si><t>Gite des Cevennes</t></si>",
                size,
                b"</sst>",
            )
        },
    )


def xlsx_with_many_shared_strings(path: Path, *, size: int) -> Path:
    """A workbook at the shared-strings limit, made of the smallest strings (the most
    Python objects per byte)."""
    return _rewrite_workbook(
        path,
        [["Nom", "Commune"], ["Gîte", "Anduze"]],
        {"xl/sharedStrings.xml": (_SST_HEAD, b"<si><t>a</t></si>", size - 200, b"</sst>")},
    )


def xlsx_with_dtd(path: Path) -> Path:
    """A workbook whose sheet declares a DTD (entity expansion, the "billion laughs")."""
    entities = "".join(f'<!ENTITY e{n} "{f"&e{n - 1};" * 10 if n else "lol"}">' for n in range(10))
    sheet = (
        '<?xml version="1.0"?><!DOCTYPE worksheet [' + entities + "]>"
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&e9;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    return _rewrite_workbook(path, [["Nom"], ["A"]], {"xl/worksheets/sheet1.xml": sheet.encode()})


def xlsx_malformed(path: Path) -> Path:
    """A workbook whose sheet XML is cut in the middle of a tag."""
    sheet = (
        '<?xml version="1.0"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Nom</t></is></c></row><row r="2"><c'
    )
    return _rewrite_workbook(path, [["Nom"], ["A"]], {"xl/worksheets/sheet1.xml": sheet.encode()})


def xlsx_long_number(path: Path, *, digits: int = 100_000) -> Path:
    """A workbook whose second row holds an integer of ``digits`` digits."""
    sheet = (
        '<?xml version="1.0"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Nom</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>Téléphone</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>Gîte</t></is></c>'
        f'<c r="B2"><v>{"9" * digits}</v></c></row>'
        "</sheetData></worksheet>"
    )
    return _rewrite_workbook(path, [["Nom"], ["A"]], {"xl/worksheets/sheet1.xml": sheet.encode()})


def nested_zip(path: Path, *, depth: int = 3, inner: bytes = b"Nom\nA\n") -> Path:
    """Zips inside zips, ``depth`` levels, a small CSV at the bottom."""
    data, name = inner, "adherents.csv"
    for level in range(depth):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(name, data)
        data, name = buffer.getvalue(), f"niveau-{level}.zip"
    path.write_bytes(data)
    return path


def utf16_odd_bytes(path: Path) -> Path:
    path.write_bytes("Nom;Commune\nGîte;Anduze\n".encode("utf-16") + b"\x00")
    return path


def utf16_lone_surrogate(path: Path) -> Path:
    body = "Nom;Commune\nGîte;Anduze\n".encode("utf-16-le")
    path.write_bytes(b"\xff\xfe" + body + b"\x00\xd8" + "x\n".encode("utf-16-le"))
    return path


def csv_with_huge_field(path: Path, *, size: int = 200 * 1024) -> Path:
    """A CSV whose second line holds a field over csv.field_size_limit()."""
    path.write_text(f'Nom;Description\nGîte;"{"x" * size}"\n', encoding="utf-8")
    return path


def deeply_nested(depth: int = 100_000) -> str:
    return "[" * depth + "]" * depth


# One small valid document per JSON format, with ``{inner}`` where a value goes.
JSON_SHAPES = {
    "datatourisme": '{{"@id": "x", "dc:identifier": "X1", "@type": ["Hotel"], '
    '"rdfs:label": {{"fr": ["Hôtel"]}}, "rdfs:comment": {inner}}}',
    "apidae": '[{{"id": 1, "type": "HOTELLERIE", "nom": {{"libelleFr": "Hôtel"}}, '
    '"presentation": {{"descriptifCourt": {inner}}}}}]',
    "tourinsoft": '{{"value": [{{"SyndicObjectID": "T1", "SyndicObjectName": "Hôtel", '
    '"Descriptif": {inner}}}]}}',
}


def json_file(path: Path, format: str, inner: str) -> Path:
    """A valid document of ``format`` with ``inner`` (JSON text) as one value."""
    path.write_text(JSON_SHAPES[format].format(inner=inner), encoding="utf-8")
    return path


def apidae_wrong_types() -> list[dict]:
    """Apidae objects whose fields have the wrong type, one field each."""
    base = {"type": "HOTELLERIE", "nom": {"libelleFr": "Hôtel"}}
    swaps = [
        {"localisation": [1, 2]},
        {"localisation": {"adresse": "12 rue du Pont"}},
        {"localisation": {"adresse": {"commune": "Anduze"}}},
        {"localisation": {"geolocalisation": {"geoJson": [3, 4]}}},
        {"localisation": {"geolocalisation": {"geoJson": {"coordinates": ["a", {}]}}}},
        {"nom": ["Hôtel"]},
        {"nom": 12},
        {"presentation": "texte"},
        {"informations": {"moyensCommunication": {"type": 201}}},
        {"informations": {"moyensCommunication": [{"type": [201], "coordonnees": 5}]}},
        {"contacts": "Jean"},
        {"contacts": [{"moyensCommunication": "x", "prenom": ["J"], "nom": {"a": 1}}]},
        {"informationsHotellerie": {"classement": "3 étoiles", "labels": "Logis"}},
        {"informationsHotellerie": ["classement"]},
        {"informationsHebergementLocatif": "x", "type": "HEBERGEMENT_LOCATIF"},
        {"type": ["HOTELLERIE"]},
        {"type": {"a": 1}},
        {"state": ["DELETED"]},
    ]
    return [{**base, **swap, "id": 1000 + index} for index, swap in enumerate(swaps)]


def datatourisme_wrong_types() -> list[dict]:
    """DATAtourisme objects whose fields have the wrong type, one field each."""
    base = {"@type": ["Hotel"], "rdfs:label": {"fr": ["Hôtel"]}, "@id": "x"}
    swaps = [
        {"isLocatedAt": [1, 2]},
        {"isLocatedAt": "Anduze"},
        {"isLocatedAt": [{"schema:address": "12 rue"}]},
        {"isLocatedAt": [{"schema:address": [{"hasAddressCity": "Anduze"}]}]},
        {"isLocatedAt": [{"schema:address": [{"hasAddressCity": {"@id": 5}}]}]},
        {"isLocatedAt": [{"schema:geo": {"schema:latitude": [1], "schema:longitude": {}}}]},
        {"rdfs:label": "Hôtel"},
        {"rdfs:label": {"fr": [{"a": 1}]}},
        {"rdfs:label": {"fr": 5}},
        {"rdfs:label": [1, 2]},
        {"@type": "Hotel"},
        {"@type": [["Hotel"]], "isLocatedAt": []},
        {"hasContact": "a@b.fr"},
        {"hasContact": [{"schema:email": {"x": 1}, "schema:telephone": [[1]]}]},
        {"hasBookingContact": [{"@id": ["x"]}], "hasContact": [{"@id": ["x"]}]},
        {"hasReview": [{"hasReviewValue": "3"}]},
        {"hasReview": [{"hasReviewValue": {"@type": 5, "rdfs:label": {"fr": ["x"]}}}]},
        {"rdfs:comment": {"fr": {"x": "y"}}},
        {"hasDescription": [{"shortDescription": [1]}]},
        {"schema:sameAs": {"a": "b"}},
        {"isOwnedBy": "x"},
    ]
    return [{**base, **swap, "dc:identifier": f"DT{index}"} for index, swap in enumerate(swaps)]


def tourinsoft_wrong_types() -> dict:
    """A Tourinsoft feed whose items have fields of the wrong type."""
    base = {"SyndicObjectName": "Hôtel", "ObjectTypeName": "Hôtellerie"}
    swaps = [
        {"MoyenDeCom": {"a": 1}},
        {"MoyenDeCom": [{"Type": {"ThesLibelle": ["x"]}, "Coord": [1]}]},
        {"AdresseComplete": ["a", "b"]},
        {"GmapLatitude": {"a": 1}, "GmapLongitude": [1]},
        {"Labels": {"a": 1}},
        {"ObjectTypeName": ["Hôtellerie"]},
        {"SyndicObjectName": {"fr": "Hôtel"}},
        {"Email": [1, 2]},
    ]
    return {
        "value": [
            {**base, **swap, "SyndicObjectID": f"T{index}"} for index, swap in enumerate(swaps)
        ]
    }


def save_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
