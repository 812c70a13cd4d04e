"""Booking engines and widgets met on French tourism sites: the pattern table to maintain.

Each entry names an engine, the kind of business it serves and regular expressions matched
against the lower-cased URLs a page references (scripts, iframes, links, forms) and against
its inline scripts. Patterns anchor on a host boundary so "secure-hotel-booking.com" is not
taken for Booking.com. ``platform`` marks marketplaces (OTAs): a link to a listing there is
a sales channel, not a booking module on the provider's own site.

To add an engine: append an entry, and a sample snippet to ``SAMPLES`` in
tests/audits/test_checks.py (every entry is tested).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

ACCOMMODATION = "hébergement"
FOOD = "restauration"
ACTIVITIES = "activités"
TICKETING = "billetterie"

_B = r"(?:^|[/.@\"' =])"  # a host starts after a scheme, a dot, a quote...


@dataclass(frozen=True)
class BookingEngine:
    name: str
    kind: str  # ACCOMMODATION, FOOD, ACTIVITIES or TICKETING
    patterns: tuple[str, ...]
    platform: bool = False  # marketplace (OTA) rather than the provider's own engine
    regex: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        joined = "|".join(f"(?:{pattern})" for pattern in self.patterns)
        object.__setattr__(self, "regex", re.compile(joined))


BOOKING_ENGINES: tuple[BookingEngine, ...] = (
    BookingEngine("Elloha", ACCOMMODATION, (_B + r"elloha\.com",)),
    BookingEngine("Reservit", ACCOMMODATION, (_B + r"reservit\.com",)),
    BookingEngine(
        "D-Edge (Availpro)",
        ACCOMMODATION,
        (_B + r"secure-hotel-booking\.com", _B + r"availpro\.com", _B + r"d-edge\.com"),
    ),
    BookingEngine("Amenitiz", ACCOMMODATION, (_B + r"amenitiz\.(?:io|com)",)),
    BookingEngine("Thaïs", ACCOMMODATION, (_B + r"thais-hotel\.com", _B + r"thais-soft\.com")),
    BookingEngine("MisterBooking", ACCOMMODATION, (_B + r"misterbooking\.(?:net|com|fr)",)),
    BookingEngine(
        "Secureholiday (Thelis)",
        ACCOMMODATION,
        (_B + r"secureholiday\.net", _B + r"thelis\.(?:fr|com)"),
    ),
    BookingEngine("Ctoutvert", ACCOMMODATION, (_B + r"ctoutvert\.",)),
    BookingEngine("Inaxel", ACCOMMODATION, (_B + r"inaxel\.",)),
    BookingEngine(
        "Itea (Gîtes de France)",
        ACCOMMODATION,
        (
            _B + r"itea\.(?:fr|com)",
            _B + r"itea[0-9]*\.gites-de-france",
            _B + r"gites-de-france\.com",
        ),
    ),
    BookingEngine(
        "Open Pro / Open System (Alliance Réseaux)",
        ACCOMMODATION,
        (
            _B + r"open-system\.fr",
            _B + r"open-pro\.",
            _B + r"ot-reservation\.",
            _B + r"alliance-reseaux\.",
        ),
    ),
    BookingEngine("Booking.com", ACCOMMODATION, (_B + r"booking\.com",), platform=True),
    BookingEngine("Airbnb", ACCOMMODATION, (_B + r"airbnb\.[a-z.]{2,6}",), platform=True),
    BookingEngine("Zenchef", FOOD, (_B + r"zenchef\.com",)),
    BookingEngine(
        "TheFork (LaFourchette)", FOOD, (_B + r"thefork\.", _B + r"lafourchette\."), platform=True
    ),
    BookingEngine("Guestonline", FOOD, (_B + r"guestonline\.",)),
    BookingEngine("Regiondo", ACTIVITIES, (_B + r"regiondo\.",)),
    BookingEngine("Bookeo", ACTIVITIES, (_B + r"bookeo\.com",)),
    BookingEngine("FareHarbor", ACTIVITIES, (_B + r"fareharbor\.com",)),
    BookingEngine("Checkfront", ACTIVITIES, (_B + r"checkfront\.com",)),
    BookingEngine("Weezevent", TICKETING, (_B + r"weezevent\.com",)),
    BookingEngine("Billetweb", TICKETING, (_B + r"billetweb\.fr",)),
    BookingEngine("HelloAsso", TICKETING, (_B + r"helloasso\.com",)),
)


@dataclass(frozen=True)
class Detection:
    engine: BookingEngine
    where: str  # the URL (or "script") where it was seen, truncated


def detect(urls: Iterable[str], inline_scripts: str = "") -> list[Detection]:
    """Engines seen in ``urls`` or in inline script text, one detection per engine, in order."""
    found: dict[str, Detection] = {}
    for url in urls:
        lowered = (url or "").lower()[:2000]
        if not lowered:
            continue
        for engine in BOOKING_ENGINES:
            if engine.name not in found and engine.regex.search(lowered):
                found[engine.name] = Detection(engine, url[:200])
    if inline_scripts:
        lowered = inline_scripts.lower()
        for engine in BOOKING_ENGINES:
            if engine.name not in found and engine.regex.search(lowered):
                found[engine.name] = Detection(engine, "script")
    return list(found.values())
