"""Two small middlewares for staff sessions.

``SessionIdleTimeoutMiddleware``: a session that saw no request for ``SESSION_COOKIE_AGE``
seconds is logged out. The time of the last request is kept in the session and written
at most once per ``IDLE_REFRESH`` seconds, rather than saving the session on every request
(``SESSION_SAVE_EVERY_REQUEST``), which would turn every page view into a database write.
Each such write also pushes the session's own expiry (cookie and row) to now + the age,
so an active user is never logged out and an idle one is, within a minute of the timeout.

``TwoFactorEnrolmentMiddleware``: a user who must have a second factor and has none yet
(an admin of an office that requires it, or a platform operator under
``BALISE_OPERATORS_2FA``: see ``twofactor.must_enrol``) is sent to the enrolment page
instead of any office page (or the technical admin site) until they have enrolled. Both
rules are read from columns loaded with the user, so this costs a query only for the
users it concerns.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from . import twofactor

ACTIVITY_KEY = "balise_last_activity"
IDLE_REFRESH = 60  # seconds between two writes of the activity time


def touch_session(session) -> None:
    session[ACTIVITY_KEY] = int(twofactor.clock())


class SessionIdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Only sessions that exist: an anonymous visit without a cookie costs nothing.
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            session = request.session
            if session.get(SESSION_KEY) is not None:
                now = int(twofactor.clock())
                last = session.get(ACTIVITY_KEY)
                if last is not None and now - last > settings.SESSION_COOKIE_AGE:
                    logout(request)
                    messages.info(
                        request,
                        _(
                            "Votre session a expiré après une période d'inactivité. "
                            "Reconnectez-vous."
                        ),
                    )
                elif last is None or now - last >= IDLE_REFRESH:
                    touch_session(session)
        return self.get_response(request)


# Pages an admin who must enrol can still reach: enrolment itself, logging out, language.
ALLOWED_URL_NAMES = {"totp_setup", "logout", "set_language", "account", "health"}
STAFF_PREFIXES = ("/o/", "/reseau/", "/admin/")


class TwoFactorEnrolmentMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.url_name in ALLOWED_URL_NAMES:
            return None
        # Only where the user is loaded anyway: office and network pages, the office
        # chooser and the admin site (all behind login). Public pages are not concerned.
        concerned = match.view_name == "home" or request.path_info.startswith(STAFF_PREFIXES)
        if not concerned:
            return None
        user = request.user
        if not twofactor.must_enrol(user):
            return None
        if user.two_factor_required:
            reason = _(
                "Votre office exige la double authentification pour les administrateurs : "
                "activez-la pour continuer."
            )
        else:
            reason = _(
                "Les comptes d'administration technique doivent activer la double "
                "authentification pour continuer."
            )
        messages.warning(request, reason)
        return redirect("totp_setup")
