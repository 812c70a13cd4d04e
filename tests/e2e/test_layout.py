"""The layout tour: every page of the demo in Chromium, on a phone and on two desktop widths,
measured in the page as a person would see it.

A person notices at once what no assertion on HTML ever sees: a page wider than the screen,
values squeezed to one letter per line, a column cut off by its frame, a table whose last
columns fall off the edge with nothing saying there is more. Each page is measured in the
browser (:data:`MEASURE` reads the rendered geometry, not the CSS) and a screenshot of each
page and width is saved under ``var/layout/`` to look at.

One test tours everything, so the demo is built once (building it takes longer than touring
a page at every width): one browser context per width, logged in as whoever each page needs
(pages are listed by visitor, so the tour logs in a few times only). It reports every page
to fix at once, not only the first.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db.models import Count, Q
from django.urls import reverse

from balise.audits.models import AuditRun, DeclaredObservedGap
from balise.demo.builder import build_demo
from balise.demo.territory import DEMO_PASSWORD, NETWORK
from balise.diagnostics.models import Campaign, CampaignStatus, Invitation, QuestionnaireVersion
from balise.members.models import Provider
from balise.offices.models import Membership, Role
from balise.workshops.models import (
    Appointment,
    AppointmentStatus,
    Programme,
    Registration,
    RegistrationStatus,
    Session,
    SessionInvitation,
    SessionStatus,
    Theme,
    Venue,
)

pytestmark = pytest.mark.django_db(transaction=True)

OFFICE = "haut-vallon"
ADMIN = "admin@haut-vallon.demo"
READER = "elu@haut-vallon.demo"
COORDINATOR = NETWORK.coordinator.email
ANONYMOUS = ""

# A phone (touch, overlay scrollbars: nothing shows that a table scrolls), a laptop, a desk.
WIDTHS = (390, 1366, 1920)
SHOTS = settings.VAR_DIR / "layout"


@dataclass(frozen=True)
class Page:
    key: str
    who: str
    path: Callable[[], str]
    status: int = 200


def _url(name: str, *args) -> str:
    return reverse(name, args=args)


def _office_url(name: str, *args) -> Callable[[], str]:
    return lambda: _url(name, OFFICE, *args)


def _first(queryset):
    row = queryset.filter(office__slug=OFFICE).order_by("pk").first()
    assert row is not None, f"the demo has no {queryset.model.__name__} for this page"
    return row


def _open_campaign():
    return _first(Campaign.objects.filter(status=CampaignStatus.OPEN))


def _rich_provider():
    """The provider page at its fullest: description, website audited, tags, consent."""
    return _first(
        Provider.objects.exclude(description="")
        .exclude(website="")
        .filter(site_audits__isnull=False, marketing_consent=True)
        .distinct()
    )


def _provider_with_gaps():
    return _first(DeclaredObservedGap.objects).provider


def _provider_with_journey():
    return _first(
        Provider.objects.annotate(
            done=Count("responses", filter=Q(responses__completed_at__isnull=False)),
            workshops=Count("workshop_registrations"),
        ).filter(done__gte=1, workshops__gte=1)
    )


def _invitation(*, completed: bool):
    return _first(
        Invitation.objects.filter(
            campaign=_open_campaign(),
            revoked_at__isnull=True,
            provider__responses__completed_at__isnull=not completed,
        )
    )


def _pending_invitation():
    return _first(
        Invitation.objects.filter(campaign=_open_campaign(), revoked_at__isnull=True).exclude(
            provider__responses__campaign=_open_campaign()
        )
    )


def _respondent_section() -> str:
    invitation = _pending_invitation()
    version = invitation.campaign.version
    return _url("respond:section", invitation.token, version.parsed.sections[0].code)


def _published_session():
    return _first(Session.objects.filter(status=SessionStatus.PUBLISHED).order_by("starts_at"))


def _registration(**filters):
    return _first(Registration.objects.filter(status=RegistrationStatus.CONFIRMED, **filters))


def _completed_response():
    return _first(
        _open_campaign().responses.filter(completed_at__isnull=False).select_related("office")
    )


def _animator_membership():
    return _first(Membership.objects.filter(role=Role.ANIMATOR))


PAGES = (
    # Anyone: the login page, the respondent's pages, the public workshop pages.
    Page("connexion", ANONYMOUS, lambda: _url("login")),
    Page("confidentialite", ANONYMOUS, lambda: _url("privacy_public:notice", OFFICE)),
    Page("r-accueil", ANONYMOUS, lambda: _url("respond:welcome", _pending_invitation().token)),
    Page("r-rubrique", ANONYMOUS, _respondent_section),
    Page(
        "r-resultats",
        ANONYMOUS,
        lambda: _url("respond:results", _invitation(completed=True).token),
    ),
    Page("ateliers-programme", ANONYMOUS, lambda: _url("ateliers:programme", OFFICE)),
    Page(
        "ateliers-seance",
        ANONYMOUS,
        lambda: _url("ateliers:session", OFFICE, _published_session().pk),
    ),
    Page("ateliers-rdv", ANONYMOUS, lambda: _url("ateliers:appointments", OFFICE)),
    Page(
        "ateliers-invitation",
        ANONYMOUS,
        lambda: _url(
            "ateliers:invitation",
            _first(SessionInvitation.objects.filter(session__status=SessionStatus.PUBLISHED)).token,
        ),
    ),
    Page(
        "ateliers-inscription",
        ANONYMOUS,
        lambda: _url("ateliers:registration", _registration(session__status="published").token),
    ),
    Page(
        "ateliers-avis",
        ANONYMOUS,
        lambda: _url("ateliers:feedback", _registration(attended=True).token),
    ),
    Page(
        "ateliers-rendez-vous",
        ANONYMOUS,
        lambda: _url(
            "ateliers:appointment",
            _first(Appointment.objects.filter(status=AppointmentStatus.BOOKED)).token,
        ),
    ),
    # The office's staff (an admin sees every page and every button).
    Page("accueil", ADMIN, _office_url("offices:home")),
    Page("compte", ADMIN, lambda: _url("account")),
    Page("equipe", ADMIN, _office_url("offices:staff_list")),
    Page("equipe-ajouter", ADMIN, _office_url("offices:staff_add")),
    Page(
        "equipe-modifier",
        ADMIN,
        lambda: _url("offices:staff_edit", OFFICE, _animator_membership().pk),
    ),
    Page("parametres", ADMIN, _office_url("offices:settings")),
    Page("prestataires", ADMIN, _office_url("members:provider_list")),
    Page(
        "prestataire",
        ADMIN,
        lambda: _url("members:provider_detail", OFFICE, _rich_provider().pk),
    ),
    Page(
        "prestataire-modifier",
        ADMIN,
        lambda: _url("members:provider_edit", OFFICE, _rich_provider().pk),
    ),
    Page("imports", ADMIN, _office_url("members:import_start")),
    Page("campagnes", ADMIN, _office_url("diagnostics:campaign_list")),
    Page("campagne-nouvelle", ADMIN, _office_url("diagnostics:campaign_create")),
    Page(
        "campagne",
        ADMIN,
        lambda: _url("diagnostics:campaign_detail", OFFICE, _open_campaign().pk),
    ),
    Page(
        "campagne-close",
        ADMIN,
        lambda: _url(
            "diagnostics:campaign_detail",
            OFFICE,
            _first(Campaign.objects.filter(status=CampaignStatus.CLOSED)).pk,
        ),
    ),
    Page(
        "saisie-assistee",
        ADMIN,
        lambda: _url(
            "diagnostics:assisted",
            OFFICE,
            _open_campaign().pk,
            _pending_invitation().provider_id,
        ),
    ),
    Page(
        "rapport",
        ADMIN,
        lambda: _url("diagnostics:report", OFFICE, _completed_response().pk),
    ),
    Page("questionnaires", ADMIN, _office_url("diagnostics:version_list")),
    Page(
        "questionnaire",
        ADMIN,
        lambda: _url(
            "diagnostics:version_detail",
            OFFICE,
            QuestionnaireVersion.objects.filter(responses__office__slug=OFFICE).first().pk,
        ),
    ),
    Page("audits", ADMIN, _office_url("audits:home")),
    Page(
        "audit-campagne",
        ADMIN,
        lambda: _url("audits:run_progress", OFFICE, _first(AuditRun.objects).pk),
    ),
    Page(
        "audit-prestataire",
        ADMIN,
        lambda: _url("audits:provider_audit", OFFICE, _provider_with_gaps().pk),
    ),
    Page("etude", ADMIN, lambda: _url("insights:dashboard", OFFICE, _open_campaign().pk)),
    Page("ateliers", ADMIN, _office_url("workshops:home")),
    Page("themes", ADMIN, _office_url("workshops:theme_list")),
    Page("theme", ADMIN, lambda: _url("workshops:theme_edit", OFFICE, _first(Theme.objects).pk)),
    Page("lieux", ADMIN, _office_url("workshops:venue_list")),
    Page("lieu", ADMIN, lambda: _url("workshops:venue_edit", OFFICE, _first(Venue.objects).pk)),
    Page("creneaux", ADMIN, _office_url("workshops:slot_list")),
    Page("besoins", ADMIN, _office_url("workshops:needs")),
    Page("programmes", ADMIN, _office_url("workshops:programme_list")),
    Page("programme-nouveau", ADMIN, _office_url("workshops:programme_create")),
    Page(
        "programme",
        ADMIN,
        lambda: _url("workshops:programme_detail", OFFICE, _first(Programme.objects).pk),
    ),
    Page("seances", ADMIN, _office_url("workshops:session_list")),
    Page(
        "seance",
        ADMIN,
        lambda: _url("workshops:session_detail", OFFICE, _published_session().pk),
    ),
    Page(
        "seance-modifier",
        ADMIN,
        lambda: _url("workshops:session_edit", OFFICE, _published_session().pk),
    ),
    Page(
        "seance-inviter",
        ADMIN,
        lambda: _url("workshops:session_invite", OFFICE, _published_session().pk),
    ),
    Page(
        "emargement",
        ADMIN,
        lambda: _url("workshops:session_attendance", OFFICE, _published_session().pk),
    ),
    Page("rendez-vous", ADMIN, _office_url("workshops:appointment_slots")),
    Page("reglages-ateliers", ADMIN, _office_url("workshops:settings")),
    Page(
        "parcours",
        ADMIN,
        lambda: _url("workshops:journey", OFFICE, _provider_with_journey().pk),
    ),
    Page("progres", ADMIN, _office_url("workshops:progress")),
    Page("journal", ADMIN, _office_url("trail:journal")),
    Page("rgpd", ADMIN, _office_url("privacy:register")),
    Page("rgpd-reglages", ADMIN, _office_url("privacy:settings")),
    Page("rgpd-personnes", ADMIN, _office_url("privacy:person")),
    Page(
        "consentement",
        ADMIN,
        lambda: _url("privacy:consent_history", OFFICE, _rich_provider().pk),
    ),
    Page("erreur-404", ADMIN, lambda: _url("members:provider_detail", OFFICE, 10**9), 404),
    # A read-only member meets a 403; the network's coordinator reads the network page.
    Page("erreur-403", READER, _office_url("members:provider_create"), 403),
    Page("reseau", COORDINATOR, lambda: _url("network:home", NETWORK.slug)),
)

# Measured in the page. Returns one sentence per problem (at most a few per kind).
MEASURE = """
() => {
  const problems = [];
  const styles = new Map();
  const style = (el) => {
    if (!styles.has(el)) styles.set(el, getComputedStyle(el));
    return styles.get(el);
  };
  const describe = (el) => {
    const cls = [...el.classList].slice(0, 2).map((c) => "." + c).join("");
    const text = (el.innerText || el.textContent || "").trim().replace(/\\s+/g, " ");
    return `<${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}${cls}> «${text.slice(0, 40)}»`;
  };
  // Not rendered: display none, visibility hidden, or the closed part of a <details>.
  const rendered = (el) =>
    el.getClientRects().length > 0 &&
    el.checkVisibility({ visibilityProperty: true, contentVisibilityAuto: true });
  const scrolls = (value) => value === "auto" || value === "scroll";
  const boxed = (el) => {
    const s = style(el);
    return (
      parseFloat(s.borderTopWidth) + parseFloat(s.borderRightWidth) +
        parseFloat(s.borderBottomWidth) + parseFloat(s.borderLeftWidth) > 0 ||
      !/rgba\\(0, 0, 0, 0\\)|transparent/.test(s.backgroundColor)
    );
  };
  const report = (kind, message) => {
    const seen = problems.filter((p) => p.startsWith(kind)).length;
    if (seen < 4) problems.push(`${kind}: ${message}`);
  };

  // 1. The page itself never scrolls sideways.
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) {
    report("page wider than the screen", `${root.scrollWidth}px for ${root.clientWidth}px`);
  }

  const skip = new Set();
  const wide = new Set();
  for (const el of document.body.querySelectorAll("*")) {
    if (skip.has(el.parentElement) || el.closest("svg, head, script, style, template")) {
      skip.add(el);
      continue;
    }
    if (!rendered(el)) continue;
    const r = el.getBoundingClientRect();
    const s = style(el);
    // Visually hidden text (1 px, clipped) and positioned helpers (skip link) are meant
    // to sit outside the flow: neither they nor their content are measured.
    if ((r.width <= 1 && r.height <= 1) || s.position === "absolute" || s.position === "fixed") {
      skip.add(el);
      continue;
    }

    // 2. Text squeezed into a column a few letters wide.
    const own = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.data).join("");
    if (own.trim().length >= 5) {
      const size = parseFloat(s.fontSize);
      const line = s.lineHeight === "normal" ? size * 1.2 : parseFloat(s.lineHeight);
      if (r.width < size * 2.2 && r.height > line * 3.5) {
        report(
          "text squeezed",
          `${Math.round(r.width)}px wide over ${Math.round(r.height / line)} lines: ${describe(el)}`
        );
      }
    }

    // 3. Nothing sticks out of its frame or is cut by it, unless the frame scrolls.
    const settled = { x: false, y: false };
    let scrollsX = false;
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      if (settled.x && settled.y) break;
      const as = style(a);
      const ar = a.getBoundingClientRect();
      const left = ar.left + a.clientLeft;
      const top = ar.top + a.clientTop;
      const out = {
        x: r.left < left - 2 || r.right > left + a.clientWidth + 2,
        y: r.top < top - 2 || r.bottom > top + a.clientHeight + 2,
      };
      for (const [axis, overflow] of [["x", as.overflowX], ["y", as.overflowY]]) {
        if (settled[axis]) continue;
        if (scrolls(overflow)) {
          settled[axis] = true;
          scrollsX = scrollsX || axis === "x";
        } else if (out[axis] && overflow !== "visible") {
          report("cut by its container", `${describe(el)} in ${describe(a)}`);
          settled[axis] = true;
        } else if (out[axis] && boxed(a)) {
          report("sticks out of its container", `${describe(el)} out of ${describe(a)}`);
          settled[axis] = true;
        }
      }
    }
    // Name what makes the page wider than the screen (the outermost such element).
    if (!scrollsX && r.right > root.clientWidth + 1) {
      if (!wide.has(el.parentElement)) report("reaches past the screen's edge", describe(el));
      wide.add(el);
    }
  }

  // 4. Every table fits, or scrolls in a frame a keyboard can reach, that has a name and
  //    shows a cue (the "includes/_table_scroll.html" frame) while there is more to see.
  for (const table of document.querySelectorAll("table")) {
    if (!rendered(table) || table.closest("svg")) continue;
    let frame = table.parentElement;
    while (frame && frame !== document.body && !scrolls(style(frame).overflowX)) {
      frame = frame.parentElement;
    }
    if (!frame || frame === document.body) {
      const box = table.parentElement;
      if (table.getBoundingClientRect().width > box.clientWidth + 2) {
        report("table too wide", `${describe(table)} in ${describe(box)}`);
      }
      continue;
    }
    if (frame.scrollWidth <= frame.clientWidth + 2) continue;
    if (frame.tabIndex < 0) report("scrolling table unreachable by keyboard", describe(table));
    if (!frame.getAttribute("aria-label") && !frame.getAttribute("aria-labelledby")) {
      report("scrolling table without a name", describe(table));
    }
    const hint = frame.closest("[data-table-scroll]")?.querySelector(".table-scroll__hint");
    if (!hint || !rendered(hint)) report("table scrolls without a visible cue", describe(table));
  }
  return problems;
}
"""


@dataclass
class Screen:
    """One browser context at one width, logged in as whoever the current page needs."""

    width: int
    context: object
    page: object
    who: str | None = None

    def visit_as(self, who: str) -> None:
        if who == self.who:
            return
        self.context.clear_cookies()
        if who:
            self.page.goto("/compte/connexion/")
            self.page.get_by_label("Adresse e-mail").fill(who)
            self.page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
            self.page.get_by_role("button", name="Se connecter").click()
            self.page.wait_for_load_state()
            assert "/compte/connexion/" not in self.page.url, f"{who} could not log in"
        self.who = who


def test_every_page_fits_every_screen(browser, live_server, transactional_db):
    build_demo()
    paths = {spec.key: spec.path() for spec in PAGES}
    found = []
    for width in WIDTHS:
        phone = width < 600
        context = browser.new_context(
            base_url=live_server.url,
            locale="fr-FR",
            viewport={"width": width, "height": 900},
            is_mobile=phone,
            has_touch=phone,
        )
        screen = Screen(width=width, context=context, page=context.new_page())
        screen.page.set_default_timeout(15_000)
        (SHOTS / str(width)).mkdir(parents=True, exist_ok=True)
        for spec in PAGES:
            screen.visit_as(spec.who)
            response = screen.page.goto(paths[spec.key])
            assert response.status == spec.status, f"{paths[spec.key]}: HTTP {response.status}"
            problems = screen.page.evaluate(MEASURE)
            # JPEG: a tall page at 1920 px takes half the time PNG takes, text still legible.
            shot = SHOTS / str(width) / f"{spec.key}.jpg"
            screen.page.screenshot(path=str(shot), full_page=True, type="jpeg", quality=80)
            if problems:
                found.append(
                    f"{paths[spec.key]} at {width}px ({shot}):\n  " + "\n  ".join(problems)
                )
        context.close()
    assert not found, f"{len(found)} pages to fix:\n" + "\n".join(found)
