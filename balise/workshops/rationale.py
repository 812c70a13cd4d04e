"""The sentence saying why the programme builder proposed a session, written when it is
shown, in the reader's language, from the optimiser's counts stored on the session
(``Session.reasons``)."""

from django.utils.dates import MONTHS
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def why_sentence(reasons: dict[str, int], *, month: int) -> str:
    """Why a session is there, in one sentence of the active language, from the
    optimiser's counts:
    « 12 prestataires l'ont demandé, 9 autres ont ce besoin d'après leur diagnostic ;
    10 sont disponibles en novembre. »"""
    asked, gap = reasons.get("asked", 0), reasons.get("gap", 0)
    parts = []
    if asked:
        parts.append(
            ngettext(
                "%(count)s prestataire l'a demandé",
                "%(count)s prestataires l'ont demandé",
                asked,
            )
            % {"count": asked}
        )
    if gap:
        if asked:
            text = ngettext(
                "%(count)s autre a ce besoin d'après son diagnostic",
                "%(count)s autres ont ce besoin d'après leur diagnostic",
                gap,
            )
        else:
            text = ngettext(
                "%(count)s prestataire a ce besoin d'après son diagnostic",
                "%(count)s prestataires ont ce besoin d'après leur diagnostic",
                gap,
            )
        parts.append(text % {"count": gap})
    sentence = ", ".join(parts) if parts else _("Aucun prestataire invité")
    available = reasons.get("preferred_month", 0)
    if available:
        # Django names the month as the language writes it ("novembre", "November").
        when = ngettext(
            "%(count)s est disponible en %(month)s",
            "%(count)s sont disponibles en %(month)s",
            available,
        ) % {"count": available, "month": MONTHS[month]}
        return _("%(who)s ; %(when)s.") % {"who": sentence, "when": when}
    return sentence + "."
