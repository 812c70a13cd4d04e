"""Setting up offices and their staff: the `create_office` command and the team pages.

Every function takes keyword-only arguments, validates what it is given and raises
``ValidationError`` with French messages before writing anything. Docstrings list the side
effects (rows written, e-mails sent).
"""

import re

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from .models import Membership, Network, Office, Role, User

# Lower-case ASCII words joined by single hyphens: the slug appears in every office URL.
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX_LENGTH = Office._meta.get_field("slug").max_length


def validate_slug(slug: str, *, what: str = "office") -> None:
    """Refuse identifiers that would make ugly or ambiguous URLs."""
    if not slug or len(slug) > SLUG_MAX_LENGTH or not SLUG_PATTERN.match(slug):
        raise ValidationError(
            _(
                "Identifiant « %(slug)s » invalide : lettres minuscules sans accents, chiffres "
                "et tirets seulement (%(max)s caractères au plus), ex. « haut-vallon »."
            ),
            code="invalid_slug",
            params={"slug": slug, "max": SLUG_MAX_LENGTH},
        )


def normalize_email(email: str) -> str:
    """Trim and lower-case an address, or raise ValidationError when it is not one."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            _("Adresse e-mail invalide : « %(email)s »."),
            code="invalid_email",
            params={"email": email},
        ) from None
    return email


def ensure_network(*, slug: str, name: str = "") -> Network:
    """Return the network with this slug, creating it when it does not exist yet.

    Side effects: may create one Network row (named ``name``, or after the slug).
    """
    validate_slug(slug)
    network = Network.objects.filter(slug=slug).first()
    if network is None:
        network = Network.objects.create(slug=slug, name=name.strip() or slug)
    return network


def create_office(*, slug: str, name: str, network: Network | None = None) -> Office:
    """Create a bare office (no staff, no providers).

    Side effects: one Office row. Raises ValidationError, writing nothing, when the slug is
    invalid or already taken, or the name is empty.
    """
    name = (name or "").strip()
    validate_slug(slug)
    if not name:
        raise ValidationError(_("Le nom de l'office est obligatoire."), code="required")
    if len(name) > Office._meta.get_field("name").max_length:
        raise ValidationError(_("Le nom de l'office est trop long."), code="max_length")
    taken = ValidationError(
        _("L'identifiant « %(slug)s » est déjà pris par un autre office."),
        code="slug_taken",
        params={"slug": slug},
    )
    if Office.objects.filter(slug=slug).exists():
        raise taken
    try:
        with transaction.atomic():
            return Office.objects.create(slug=slug, name=name, network=network)
    except IntegrityError:  # created by someone else between the check and the insert
        raise taken from None


def add_staff(
    *,
    office: Office,
    email: str,
    role: str,
    full_name: str = "",
    invited_by: User | None = None,
    send_invitation: bool = True,
) -> Membership:
    """Give the person at ``email`` a role in ``office``; calling it again changes nothing more.

    Side effects:
    - creates the User when no account has this address, with an unusable password (only
      the e-mailed link lets them in); fills in ``full_name`` when the account had none;
    - creates the Membership, or updates its role when the person already belongs to the
      office;
    - when ``send_invitation`` is true, e-mails an invitation (see
      :func:`send_staff_invitation`) if the membership is new or the person has not chosen
      a password yet. Someone already in the team with a password is not mailed again.

    Raises ValidationError, writing nothing, for an invalid address or role, or when the
    change would leave the office without any administrator.
    """
    email = normalize_email(email)
    if role not in Role.values:
        raise ValidationError(
            _("Rôle inconnu : « %(role)s »."), code="invalid_role", params={"role": role}
        )
    full_name = (full_name or "").strip()
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email, password=None, full_name=full_name)
        elif full_name and not user.full_name:
            user.full_name = full_name
            user.save(update_fields=["full_name"])

        membership = Membership.objects.select_for_update().filter(office=office, user=user).first()
        created = membership is None
        if created:
            membership = Membership.objects.create(office=office, user=user, role=role)
        elif membership.role != role:
            if (
                membership.role == Role.ADMIN
                and not office.memberships.filter(role=Role.ADMIN)
                .exclude(pk=membership.pk)
                .exists()
            ):
                raise ValidationError(
                    _("L'office doit garder au moins un administrateur."), code="last_admin"
                )
            membership.role = role
            membership.save(update_fields=["role"])

    if send_invitation and (created or not user.has_usable_password()):
        send_staff_invitation(membership=membership, invited_by=invited_by)
    return membership


def password_setup_url(user: User) -> str:
    """Absolute link to the form where ``user`` chooses a password (Django's reset link).

    The token is valid for ``PASSWORD_RESET_TIMEOUT`` and stops working once the password
    changes or the user logs in.
    """
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.SITE_URL}{path}"


def send_staff_invitation(*, membership: Membership, invited_by: User | None = None) -> str:
    """E-mail ``membership.user`` that they joined the office; return the link it contains.

    The link sets a password when the person has none yet, else it is the login page.
    Side effects: one e-mail through Django's mail backend (errors propagate), written in
    the installation's language; replies go to ``invited_by`` when given.
    """
    user = membership.user
    needs_password = not user.has_usable_password()
    link = password_setup_url(user) if needs_password else f"{settings.SITE_URL}{reverse('login')}"
    context = {
        "user": user,
        "office": membership.office,
        "role": membership.get_role_display,
        "invited_by": invited_by,
        "needs_password": needs_password,
        "link": link,
        "link_days": max(1, settings.PASSWORD_RESET_TIMEOUT // (24 * 3600)),
        "site_url": settings.SITE_URL,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("emails/staff_invitation_subject.txt", context)
        body = render_to_string("emails/staff_invitation.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        reply_to=[invited_by.email] if invited_by is not None and invited_by.email else None,
    )
    message.send(fail_silently=False)
    return link
