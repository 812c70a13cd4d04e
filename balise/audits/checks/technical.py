"""Technical checks: reachability, HTTPS, certificate, mobile viewport, speed, weight."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ..page import Page, host_of
from .base import ProviderFacts, Verdict, check, not_html, result, worst


@check("site.reachable", _("Site joignable"), needs_content=False)
def check_reachable(page: Page, *, provider: ProviderFacts):
    fetch = page.fetch
    if page.reachable:
        moved = host_of(fetch.url_final) != host_of(fetch.url_requested)
        evidence = f"Le site répond (code {fetch.status})."
        if moved:
            evidence += f" Redirigé vers {host_of(fetch.url_final)}."
        return result(
            check_reachable, Verdict.OK, evidence, status=fetch.status, url_final=fetch.url_final
        )
    if fetch.ok and fetch.status is not None:
        return result(
            check_reachable,
            Verdict.MISSING,
            f"Le site répond par une erreur (code {fetch.status}).",
            _(
                "La page d'accueil renvoie une erreur : demandez à votre hébergeur ou à votre "
                "prestataire de la rétablir, vos visiteurs voient une page vide."
            ),
            status=fetch.status,
            error=fetch.error,
        )
    detail = fetch.error_detail or "Aucune réponse du serveur."
    return result(
        check_reachable,
        Verdict.MISSING,
        detail,
        _(
            "Le site ne répond pas. Vérifiez l'adresse dans l'annuaire et le renouvellement du "
            "nom de domaine et de l'hébergement."
        ),
        error=fetch.error,
    )


@check("security.https", _("Connexion sécurisée (HTTPS)"), needs_content=False)
def check_https(page: Page, *, provider: ProviderFacts):
    fetch = page.fetch
    if fetch.https and fetch.ok:
        return result(check_https, Verdict.OK, "Le site est servi en HTTPS.", https=True)
    if not fetch.ok:
        return result(check_https, Verdict.UNKNOWN, "Site injoignable : impossible de vérifier.")
    return result(
        check_https,
        Verdict.MISSING,
        "Le site est servi en HTTP, sans chiffrement.",
        _(
            "Les navigateurs affichent « Non sécurisé » : demandez à votre hébergeur d'activer "
            "un certificat HTTPS (souvent gratuit avec Let's Encrypt)."
        ),
        https=False,
    )


@check("security.http_redirect", _("Redirection de HTTP vers HTTPS"), needs_content=False)
def check_http_redirect(page: Page, *, provider: ProviderFacts):
    fetch = page.fetch
    redirected = fetch.http_to_https
    if redirected is None and fetch.url_requested.lower().startswith("http://") and fetch.https:
        redirected = True
    if redirected:
        return result(
            check_http_redirect,
            Verdict.OK,
            "L'adresse en http:// redirige vers https://.",
            http_to_https=True,
        )
    if redirected is None:
        return result(
            check_http_redirect,
            Verdict.UNKNOWN,
            "La redirection de http:// vers https:// n'a pas pu être testée.",
            http_to_https=None,
        )
    if not fetch.https:
        return result(
            check_http_redirect,
            Verdict.MISSING,
            "Le site n'existe qu'en http://.",
            _(
                "Une fois le HTTPS activé, faites rediriger l'adresse http:// vers https:// pour "
                "que tous les visiteurs arrivent sur la version sécurisée."
            ),
            http_to_https=False,
        )
    return result(
        check_http_redirect,
        Verdict.TO_IMPROVE,
        "L'adresse en http:// ne redirige pas vers https://.",
        _(
            "Demandez à votre hébergeur une redirection permanente (301) de http:// vers "
            "https:// : c'est un réglage simple."
        ),
        http_to_https=False,
    )


@check("security.certificate", _("Certificat de sécurité valide"), needs_content=False)
def check_certificate(page: Page, *, provider: ProviderFacts):
    fetch = page.fetch
    if fetch.tls_valid is False:
        return result(
            check_certificate,
            Verdict.MISSING,
            fetch.error_detail or "Le certificat HTTPS est invalide ou expiré.",
            _(
                "Le navigateur affiche une alerte et la plupart des visiteurs repartent : faites "
                "renouveler le certificat par votre hébergeur (renouvellement automatique)."
            ),
            tls_valid=False,
        )
    if fetch.tls_valid and fetch.https:
        return result(check_certificate, Verdict.OK, "Certificat HTTPS valide.", tls_valid=True)
    if fetch.ok and not fetch.https:
        return result(
            check_certificate,
            Verdict.MISSING,
            "Pas de certificat : le site n'est pas en HTTPS.",
            _(
                "Un certificat HTTPS gratuit (Let's Encrypt) est proposé par la plupart des "
                "hébergeurs : demandez son activation."
            ),
            tls_valid=None,
        )
    return result(
        check_certificate, Verdict.UNKNOWN, "Le certificat n'a pas pu être vérifié.", tls_valid=None
    )


@check("mobile.viewport", _("Affichage adapté au mobile"))
def check_viewport(page: Page, *, provider: ProviderFacts):
    if unknown := not_html(check_viewport, page):
        return unknown
    viewport = page.viewport
    if viewport is None:
        return result(
            check_viewport,
            Verdict.MISSING,
            "Aucune balise « viewport » : la page s'affiche en réduit sur un téléphone.",
            _(
                "Plus de la moitié des visiteurs arrivent depuis un téléphone : un thème « "
                "responsive » (adapté au mobile) est indispensable, parlez-en à votre prestataire."
            ),
            viewport=None,
        )
    compact = viewport.replace(" ", "").lower()
    if "width=device-width" not in compact:
        return result(
            check_viewport,
            Verdict.TO_IMPROVE,
            f"Balise viewport sans largeur d'écran : « {viewport} ».",
            _("La balise viewport devrait contenir « width=device-width, initial-scale=1 »."),
            viewport=viewport,
        )
    if "user-scalable=no" in compact or "maximum-scale=1" in compact.replace(".0", ""):
        return result(
            check_viewport,
            Verdict.TO_IMPROVE,
            f"Le zoom est bloqué : « {viewport} ».",
            _(
                "Laissez les visiteurs zoomer (retirez « user-scalable=no » et "
                "« maximum-scale=1 ») "
                ": c'est important pour les personnes malvoyantes."
            ),
            viewport=viewport,
        )
    return result(check_viewport, Verdict.OK, f"Viewport : « {viewport} ».", viewport=viewport)


@check("speed.response_time", _("Temps de réponse"))
def check_response_time(page: Page, *, provider: ProviderFacts):
    ms = page.fetch.elapsed_ms
    seconds = f"{ms / 1000:.1f}".replace(".", ",")
    if ms < 1000:
        return result(
            check_response_time,
            Verdict.OK,
            f"La page a répondu en {seconds} s.",
            elapsed_ms=ms,
        )
    if ms < 3000:
        advice = _(
            "Une réponse en plus d'une seconde fait patienter les visiteurs sur mobile : "
            "demandez à votre prestataire d'activer un cache et de vérifier l'hébergement."
        )
    else:
        advice = _(
            "Au-delà de 3 secondes, beaucoup de visiteurs abandonnent avant l'affichage : "
            "l'hébergement ou le site est trop lent, faites-le examiner en priorité."
        )
    return result(
        check_response_time,
        Verdict.TO_IMPROVE,
        f"La page a mis {seconds} s à répondre (objectif : moins d'une seconde).",
        advice,
        elapsed_ms=ms,
        slow=ms >= 3000,
    )


PAGE_OK_BYTES = 500_000
RESOURCES_OK = 60


@check("weight.page", _("Poids de la page"))
def check_weight(page: Page, *, provider: ProviderFacts):
    size = page.fetch.size_bytes or len(page.fetch.body)
    resources = {
        "scripts": len(page.scripts),
        "stylesheets": len(page.stylesheets),
        "images": len(page.images),
    }
    total = sum(resources.values())
    size_verdict = (
        Verdict.OK if size < PAGE_OK_BYTES and not page.fetch.truncated else (Verdict.TO_IMPROVE)
    )
    count_verdict = Verdict.OK if total <= RESOURCES_OK else Verdict.TO_IMPROVE
    verdict = worst(size_verdict, count_verdict)
    kb = max(1, round(size / 1000))
    evidence = (
        f"Page de {kb} ko{' (tronquée)' if page.fetch.truncated else ''}, {total} ressources "
        f"({resources['scripts']} scripts, {resources['stylesheets']} feuilles de style, "
        f"{resources['images']} images)."
    )
    advice = (
        ""
        if verdict == Verdict.OK
        else _(
            "Une page légère s'affiche vite sur un réseau mobile faible : allégez les photos "
            "(moins de 300 ko chacune), retirez les extensions et scripts inutiles."
        )
    )
    return result(
        check_weight,
        verdict,
        evidence,
        advice,
        size_bytes=size,
        truncated=page.fetch.truncated,
        resources=total,
        **resources,
    )
