"""The demo step "audits": recorded site audits of the demo providers, clearly labelled.

The demo never fetches anything (its sites are on the reserved ``.example`` domain): for
each provider with a website, :func:`demo_fetch` writes a small synthetic home page
consistent with the directory (name, phone, sometimes the e-mail, social links) and with
what the provider declared in the 2026 diagnostic (mobile, HTTPS, legal notices, online
booking, languages), mostly true to the answers but wrong about one practice now and
then, so that the declared/observed differences show. A few sites do not answer at all.

The pages go through the real checks (:func:`balise.audits.services.store_audit`, with
``is_demo=True``) under one demo AuditRun per office, fetched on the night of 17 to
18 November 2026. The differences with the completed 2026 diagnostics are then stored
(the rows :func:`balise.audits.gaps.sync_gaps` would write, in bulk).
"""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime, timedelta
from random import Random
from typing import Any

from django.utils.translation import gettext as _

from balise.audits.fetcher import FetchResult
from balise.audits.gaps import COMPARISONS, compare
from balise.audits.models import AuditRun, CheckOutcome, DeclaredObservedGap, RunStatus
from balise.audits.services import audited_providers, store_audit
from balise.diagnostics.models import Response
from balise.members.models import Category, Provider

from .context import DemoContext

RUN_STARTED = datetime(2026, 11, 18, 1, 30, tzinfo=UTC)
CONTRADICTION = 0.15  # how often a site belies one declared practice
UNREACHABLE = 0.04

ENGINES = {
    Category.HOTEL: ["https://www.reservit.com/hotel/widget.js", "https://widget.elloha.com/v2/booking.js"],
    Category.CAMPSITE: ["https://booking.ctoutvert.com/widget/cv.js", "https://widget.elloha.com/v2/booking.js"],
    Category.RENTAL: ["https://widget.elloha.com/v2/booking.js", "https://www.amenitiz.io/booking-widget.js"],
    Category.BED_AND_BREAKFAST: ["https://www.amenitiz.io/booking-widget.js", "https://widget.elloha.com/v2/booking.js"],
    Category.GROUP_LODGING: ["https://widget.elloha.com/v2/booking.js"],
    Category.RESTAURANT: ["https://bookings.zenchef.com/js/sdk.js"],
    Category.CAFE_BAR: ["https://bookings.zenchef.com/js/sdk.js"],
    Category.ACTIVITY: ["https://widgets.regiondo.net/booking/v1/booking-widget.min.js", "https://fareharbor.com/embeds/api/v1/"],
    Category.VISITOR_SITE: ["https://www.billetweb.fr/js/export.js", "https://widget.weezevent.com/weez.js"],
}  # fmt: skip
# Share of sites with their own booking module when the diagnostic says nothing.
ENGINE_SHARE = {
    Category.HOTEL: 0.7, Category.CAMPSITE: 0.75, Category.GROUP_LODGING: 0.4,
    Category.RENTAL: 0.3, Category.BED_AND_BREAKFAST: 0.35, Category.RESTAURANT: 0.3,
    Category.ACTIVITY: 0.45, Category.VISITOR_SITE: 0.3, Category.CAFE_BAR: 0.1,
}  # fmt: skip
SCHEMA_TYPES = {
    Category.HOTEL: "Hotel", Category.CAMPSITE: "Campground", Category.RENTAL: "VacationRental",
    Category.BED_AND_BREAKFAST: "BedAndBreakfast", Category.GROUP_LODGING: "Hostel",
    Category.RESTAURANT: "Restaurant", Category.CAFE_BAR: "CafeOrCoffeeShop",
    Category.VISITOR_SITE: "TouristAttraction", Category.ACTIVITY: "TouristAttraction",
    Category.SHOP: "Store", Category.ASSOCIATION: "Organization",
}  # fmt: skip


class _Traits:
    """What a site shows, drawn from what its owner declared."""

    def __init__(self, rng: Random, provider: Provider, answers: dict[str, Any]):
        self.rng = rng

        def practice(question: str, yes: set[str], when_yes: float, when_no: float, **other):
            value = answers.get(question)
            if isinstance(value, list):
                claimed = bool(set(value) & yes)
            elif isinstance(value, str) and value in other:
                return rng.random() < other[value]
            elif isinstance(value, str) and value != "nsp":
                claimed = value in yes
            else:
                return rng.random() < (when_yes + when_no) / 2 + 0.15
            if claimed:  # mostly true, now and then not
                return rng.random() >= CONTRADICTION
            return rng.random() < when_no

        self.https = practice("web.https", {"oui"}, 1, 0.3)
        self.viewport = practice("web.mobile", {"oui"}, 1, 0.15, en_partie=0.6)
        self.zoom_blocked = self.viewport and rng.random() < 0.1
        self.legal = practice("web.mentions_legales", {"oui", "en_partie"}, 1, 0.2)
        self.privacy = self.legal and practice("web.mentions_legales", {"oui"}, 1, 0.1)
        self.languages = practice("web.langues", {"deux", "trois_plus"}, 1, 0.03)
        self.three_languages = answers.get("web.langues") == "trois_plus"
        resa = answers.get("resa.module_en_ligne")
        engines = ENGINES.get(provider.category, [])
        if not engines:
            self.engine = None
        elif resa == "oui":
            self.engine = rng.choice(engines) if rng.random() >= CONTRADICTION else None
        elif resa in {"non", "demande", "en_cours"}:
            self.engine = rng.choice(engines) if rng.random() < 0.05 else None
        else:
            share = ENGINE_SHARE.get(provider.category, 0.1)
            self.engine = rng.choice(engines) if rng.random() < share else None
        self.platform = self.engine is None and engines and rng.random() < 0.3
        networks = answers.get("social.reseaux")
        declared = set(networks) - {"aucun"} if isinstance(networks, list) else set()
        links = dict(provider.social_links or {})
        handle = "".join(ch for ch in provider.normalized_name.title() if ch.isalnum())[:40]
        for network in sorted(declared - set(links)):
            if network in {"facebook", "instagram", "youtube"}:  # accounts the office ignores
                links[network] = f"https://www.{network}.com/{handle}"
        if declared and rng.random() < CONTRADICTION:
            self.social = {}
        else:
            self.social = {n: url for n, url in links.items() if rng.random() < 0.9}
        self.phone = bool(provider.phone) and rng.random() < 0.9
        self.email = bool(provider.email) and rng.random() < 0.55
        self.schema = rng.random() < 0.35
        self.description = rng.random() < 0.7
        self.opengraph = rng.random() < 0.5
        self.copyright = rng.choice([2026, 2026, 2025, 2025, 2024, 2021, 2019])
        self.slow = rng.random() < 0.2


def demo_page(provider: Provider, traits: _Traits, base: str) -> str:
    """The synthetic home page of ``provider`` (HTML, a few kilobytes)."""
    name = html.escape(provider.name)
    commune = html.escape(provider.commune.name) if provider.commune_id else ""
    head = ['<meta charset="utf-8">', f"<title>{name} – {commune}</title>"]
    if traits.viewport:
        viewport = "width=device-width, initial-scale=1"
        if traits.zoom_blocked:
            viewport += ", maximum-scale=1, user-scalable=no"
        head.append(f'<meta name="viewport" content="{viewport}">')
    if traits.description:
        head.append(
            f'<meta name="description" content="{name} vous accueille à {commune}, au cœur '
            'des Cévennes : réservez votre séjour et découvrez la région.">'
        )
    if traits.opengraph:
        head += [
            f'<meta property="og:title" content="{name}">',
            f'<meta property="og:image" content="{base}images/accueil.jpg">',
        ]
    if traits.languages:
        languages = ["fr", "en", "de"] if traits.three_languages else ["fr", "en"]
        for lang in languages:
            href = base if lang == "fr" else f"{base}{lang}/"
            head.append(f'<link rel="alternate" hreflang="{lang}" href="{href}">')
    head.append(f'<link rel="stylesheet" href="{base}theme/style.css">')
    if traits.schema:
        data = {
            "@context": "https://schema.org",
            "@type": SCHEMA_TYPES.get(provider.category, "LocalBusiness"),
            "name": provider.name,
            "telephone": provider.phone,
            "address": {"@type": "PostalAddress", "addressLocality": provider.commune.name}
            if provider.commune_id
            else None,
        }
        head.append(f'<script type="application/ld+json">{json.dumps(data)}</script>')
    if traits.engine:
        head.append(f'<script src="{traits.engine}" async></script>')

    body = [f"<header><h1>{name}</h1><nav><a href='{base}'>Accueil</a>"]
    if traits.languages:
        body.append(f"<a href='{base}en/'>English</a>")
    body.append("</nav></header><main>")
    body.append(f"<p>Bienvenue chez {name}, à {commune}.</p>")
    body.append(f'<img src="{base}images/accueil.jpg" alt="{name}">')
    if traits.engine:
        body.append('<div id="booking-widget">Réserver en ligne</div>')
    elif traits.platform:
        body.append(
            '<a href="https://www.booking.com/hotel/fr/demo.html">Réserver sur Booking.com</a>'
        )
    body.append("</main><footer>")
    if traits.phone:
        body.append(
            f'<p>Tél. <a href="tel:{provider.phone.replace(" ", "")}">{provider.phone}</a></p>'
        )
    if traits.email:
        body.append(f'<p><a href="mailto:{provider.email}">{provider.email}</a></p>')
    for network, url in traits.social.items():
        body.append(f'<a href="{html.escape(url)}">{network.capitalize()}</a>')
    if traits.legal:
        body.append(f'<a href="{base}mentions-legales/">Mentions légales</a>')
    if traits.privacy:
        body.append(f'<a href="{base}confidentialite/">Politique de confidentialité</a>')
    body.append(f"<p>© {traits.copyright} {name}</p></footer>")
    return (
        f'<!DOCTYPE html><html lang="fr"><head>{"".join(head)}</head>'
        f"<body>{''.join(body)}</body></html>"
    )


def demo_fetch(
    provider: Provider, answers: dict[str, Any], rng: Random, fetched_at: datetime
) -> FetchResult:
    """A recorded fetch of the provider's home page, as the fetcher would return it."""
    url = provider.website
    host = url.split("//", 1)[-1].split("/", 1)[0]
    if rng.random() < UNREACHABLE:
        error = rng.choice(["dns", "dns", "timeout"])
        detail = (
            f"Le nom de domaine {host} n'existe pas ou ne répond pas (erreur DNS)."
            if error == "dns"
            else f"Le serveur {host} a mis trop de temps à répondre."
        )
        return FetchResult(
            url_requested=url, url_final=url, ok=False, error=error, error_detail=detail,
            fetched_at=fetched_at,
        )  # fmt: skip
    traits = _Traits(rng, provider, answers)
    final = url if traits.https else "http://" + url.split("://", 1)[-1]
    redirects = [] if traits.https else [(301, final)]
    body = demo_page(provider, traits, final).encode()
    elapsed = rng.randint(1100, 2500) if traits.slow else rng.randint(150, 950)
    return FetchResult(
        url_requested=url,
        url_final=final,
        ok=True,
        status=200,
        redirects=redirects,
        http_to_https=bool(traits.https),
        https=traits.https,
        tls_valid=True if traits.https else None,
        headers={"content-type": "text/html; charset=utf-8", "server": "demo"},
        content_type="text/html",
        encoding="utf-8",
        body=body,
        text=body.decode(),
        elapsed_ms=elapsed,
        size_bytes=len(body),
        fetched_at=fetched_at,
    )


def build(ctx: DemoContext) -> None:
    """Demo step: one recorded audit run per office, its site audits and the gaps."""
    checks = {comparison.check for comparison in COMPARISONS}
    for slug, office in ctx.result.offices.items():
        providers = list(
            # The same providers as "Auditer tous les prestataires": active, with a website.
            audited_providers(office).select_related("commune").order_by("normalized_name", "pk")
        )
        responses: dict[int, Response] = {}
        for response in Response.objects.filter(office=office, campaign__starts_on__year=2026).only(
            "pk", "provider_id", "answers", "completed_at"
        ):
            responses[response.provider_id] = response
        rng = ctx.rng("audits", slug)
        run = AuditRun.objects.create(
            office=office, status=RunStatus.DONE, total=len(providers), done=len(providers),
            is_demo=True,
        )  # fmt: skip
        audits = {}
        for index, provider in enumerate(providers):
            response = responses.get(provider.pk)
            answers = response.answers if response is not None else {}
            fetched_at = RUN_STARTED + timedelta(seconds=4 * index + rng.randint(0, 3))
            result = demo_fetch(provider, answers or {}, rng, fetched_at)
            audits[provider.pk] = store_audit(
                provider=provider, result=result, run=run, is_demo=True
            )
        finished = RUN_STARTED + timedelta(seconds=4 * len(providers) + 5)
        AuditRun.objects.filter(pk=run.pk).update(
            created_at=RUN_STARTED, started_at=RUN_STARTED, finished_at=finished
        )

        # Gaps with the completed 2026 diagnostics: what sync_gaps writes, in bulk.
        outcomes: dict[int, dict[str, CheckOutcome]] = {}
        for outcome in CheckOutcome.objects.filter(audit__run=run, code__in=checks):
            outcomes.setdefault(outcome.audit_id, {})[outcome.code] = outcome
        gaps = []
        for provider_id, audit in audits.items():
            response = responses.get(provider_id)
            if response is None or response.completed_at is None:
                continue
            for gap in compare(response.answers or {}, outcomes.get(audit.pk, {})):
                gaps.append(
                    DeclaredObservedGap(
                        office=office,
                        provider_id=provider_id,
                        response=response,
                        audit=audit,
                        code=gap.code,
                    )
                )
        DeclaredObservedGap.objects.bulk_create(gaps, batch_size=500)
        ctx.result.count(slug, "audits de sites (démo)", len(audits))
        ctx.result.count(slug, "écarts déclaré / observé", len(gaps))
        ctx.log(
            _(
                "%(office)s : %(audits)s sites audités (résultats enregistrés pour la démo), "
                "%(gaps)s écarts entre déclaré et observé."
            )
            % {"office": office.name, "audits": len(audits), "gaps": len(gaps)}
        )
