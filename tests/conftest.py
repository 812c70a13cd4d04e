"""Shared fixtures: an office with one user per role, and an outsider from another office."""

import pytest
from django.core.cache import cache
from django.db.backends.postgresql.operations import DatabaseOperations

from balise.offices.models import Role

from .factories import PASSWORD, MembershipFactory, OfficeFactory, UserFactory

_sql_flush = DatabaseOperations.sql_flush


def _sql_flush_cascade(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    # django-auditlog's own log table stays in the schema (its model is swapped for
    # trail.Entry, but its migrations still create it) and references users, so the
    # TRUNCATE between transactional tests needs CASCADE on PostgreSQL. The table is always
    # empty; production never flushes.
    return _sql_flush(self, style, tables, reset_sequences=reset_sequences, allow_cascade=True)


DatabaseOperations.sql_flush = _sql_flush_cascade


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    cache.clear()  # rate-limit counters and cached studies never leak from one test to the next
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.LANGUAGE_CODE = "fr"


@pytest.fixture
def office(db):
    return OfficeFactory(slug="haut-vallon", name="Office de tourisme du Haut-Vallon")


@pytest.fixture
def other_office(db):
    return OfficeFactory(slug="autre-rive", name="Office de tourisme de l'Autre-Rive")


def _member(office, role, email):
    return MembershipFactory(office=office, role=role, user=UserFactory(email=email)).user


@pytest.fixture
def admin_user(office):
    return _member(office, Role.ADMIN, "admin@haut-vallon.example")


@pytest.fixture
def animator(office):
    return _member(office, Role.ANIMATOR, "animatrice@haut-vallon.example")


@pytest.fixture
def reader(office):
    return _member(office, Role.READER, "lecteur@haut-vallon.example")


@pytest.fixture
def outsider(other_office):
    return _member(other_office, Role.ADMIN, "admin@autre-rive.example")


@pytest.fixture
def client_for(client):
    """Log a user in on the test client: ``client_for(animator).get(url)``."""

    def login(user):
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return login


@pytest.fixture
def password():
    return PASSWORD
