"""Tenant isolation over EVERY operation of the API, read from its OpenAPI schema (issue #7).

Each operation is called with the victim office's slug and ids:

- with no token, or a forged one: 401;
- with the token of another office's admin: 404, never a success and never a server
  error, whether the victim's slug is in the path or the outsider's own slug with the
  victim's ids (in the path or in the body);
- write operations get a minimal valid body built from the schema, and the database is
  unchanged afterwards (every row of every model); the same body sent by the victim's own
  admin succeeds, which proves the refused request was a real write.

An operation whose path parameter this test cannot fill fails with a message saying what
to add. The only operation without an office in its path (the list of the caller's
offices) must simply never show the victim's office.
"""

import datetime
import json

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from balise.api.models import ApiToken
from balise.audits.models import DeclaredObservedGap

from ..test_tenancy_all import VICTIM_MARK, assert_unchanged, snapshot

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/v1/openapi.json"
METHODS = ("get", "post", "put", "patch", "delete")
# Operations whose path names no office: what they answer a stranger is checked instead.
WITHOUT_OFFICE = {"offices_list"}
# Every API call updates the token's last use (at most once a minute).
API_VOLATILE_FIELDS = {"last_used_at"}


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def deref(schema: dict, node: dict) -> dict:
    """The schema node behind ``$ref``, single ``allOf`` and nullable ``anyOf`` wrappers."""
    while True:
        if "$ref" in node:
            target = schema
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        elif "allOf" in node and len(node["allOf"]) == 1:
            node = node["allOf"][0]
        elif "anyOf" in node:
            node = next(option for option in node["anyOf"] if option.get("type") != "null")
        else:
            return node


def sample(schema: dict, name: str, node: dict, ids: dict):
    """A valid value for property ``name``: the victim's id for ``…_id``, else by type."""
    node = deref(schema, node)
    if name in ids:
        return ids[name]
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "integer":
        return max(node.get("minimum", 1), 1)
    if kind == "number":
        return 0.5
    if kind == "boolean":
        return False
    if kind == "array":
        return []
    if kind == "object":
        return {}
    if node.get("format") == "date-time" or name.endswith("_at"):
        start = timezone.now() + datetime.timedelta(days=10)
        moment = start + datetime.timedelta(hours=2) if name.startswith("ends") else start
        return moment.isoformat()
    if "email" in name:
        return "pirate@example.org"
    return "Piraté"


def minimal_body(schema: dict, operation: dict, ids: dict) -> dict | None:
    """Required properties, every ``…_id`` the test can fill, and one field to change."""
    content = operation.get("requestBody", {}).get("content", {})
    if not content:
        return None
    assert "application/json" in content, f"{operation['operationId']}: JSON body expected"
    body_schema = deref(schema, content["application/json"]["schema"])
    properties = body_schema.get("properties", {})
    names = list(body_schema.get("required", []))
    names += [name for name in properties if name.endswith("_id") and name in ids]
    if not names:  # a PATCH: all optional; send one visible change
        names = [next(name for name in ("name", "title") if name in properties)]
    return {name: sample(schema, name, properties[name], ids) for name in dict.fromkeys(names)}


def fill_path(path: str, operation: dict, values: dict) -> str:
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "path":
            continue
        name = parameter["name"]
        if name not in values:
            pytest.fail(
                f"tests/api/test_isolation.py cannot fill {{{name}}} in "
                f"{operation['operationId']} ({path}): add a victim row for it to "
                "the `victims` fixture"
            )
        path = path.replace("{" + name + "}", str(values[name]))
    assert "{" not in path, f"{path}: a path parameter is not declared in the schema"
    return path


def call(client: Client, method: str, url: str, body: dict | None):
    cache.clear()  # the per-token rate limit must not answer first
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def token_client(user) -> Client:
    _token, raw = ApiToken.issue(user=user, name="isolation")
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def schema(client):
    response = client.get(SCHEMA_URL)
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def victims(victim_objects, office):
    gap = DeclaredObservedGap.objects.get(pk=victim_objects["gap_id"])
    return victim_objects | {"office_slug": office.slug, "audit_id": gap.audit_id}


@pytest.fixture
def outsider_api(outsider):
    return token_client(outsider)


def test_every_operation_is_walked(schema):
    walked = list(operations(schema))
    assert len(walked) >= 25
    assert {method for method, _path, _operation in walked} >= {"get", "post", "patch", "delete"}


def test_every_operation_asks_for_a_token(schema, victims):
    forged = Client(headers={"Authorization": "Bearer bal_forged0000000000000000000000"})
    before = snapshot()
    for method, path, operation in operations(schema):
        url = fill_path(path, operation, victims)
        body = minimal_body(schema, operation, victims)
        for client, label in ((Client(), "no token"), (forged, "forged token")):
            response = call(client, method, url, body)
            assert response.status_code == 401, f"{label}: {method.upper()} {url}"
            assert response.json()["detail"], url
    assert_unchanged(before)


def test_another_offices_admin_gets_404_on_every_operation(schema, victims, outsider_api):
    before = snapshot(volatile_fields=API_VOLATILE_FIELDS)
    for method, path, operation in operations(schema):
        url = fill_path(path, operation, victims)
        body = minimal_body(schema, operation, victims)
        response = call(outsider_api, method, url, body)
        if operation["operationId"] in WITHOUT_OFFICE:
            assert response.status_code == 200, url
            assert not VICTIM_MARK.search(response.content.decode()), url
            continue
        assert response.status_code == 404, (
            f"{method.upper()} {url} as another office's admin: {response.status_code} "
            f"{response.content[:300]!r}"
        )
        assert not VICTIM_MARK.search(response.content.decode()), url
    assert_unchanged(before, volatile_fields=API_VOLATILE_FIELDS)


def test_victim_ids_under_the_outsiders_own_office_are_refused(
    schema, victims, other_office, outsider_api
):
    """Past the office check (own slug), the victim's ids in the path or the body must
    still name nothing: 404 for a path id, 422 for a body id, and no write."""
    own = victims | {"office_slug": other_office.slug}
    before = snapshot(volatile_fields=API_VOLATILE_FIELDS)
    checked = 0
    for method, path, operation in operations(schema):
        if operation["operationId"] in WITHOUT_OFFICE:
            continue
        url = fill_path(path, operation, own)
        body = minimal_body(schema, operation, own)
        path_ids = [p for p in operation.get("parameters", []) if p["in"] == "path"][1:]
        body_ids = [name for name in body or {} if name.endswith("_id")]
        if not path_ids and not body_ids:
            continue
        checked += 1
        response = call(outsider_api, method, url, body)
        expected = (404,) if path_ids else (422,)
        assert response.status_code in expected, (
            f"{method.upper()} {url} {body} with the victim's ids: {response.status_code} "
            f"{response.content[:300]!r}"
        )
        assert not VICTIM_MARK.search(response.content.decode()), url
    assert checked >= 15
    assert_unchanged(before, volatile_fields=API_VOLATILE_FIELDS)


def test_the_outsiders_own_lists_show_nothing_of_the_victim(
    schema, victims, other_office, outsider_api
):
    own = {"office_slug": other_office.slug}
    for method, path, operation in operations(schema):
        parameters = [p["name"] for p in operation.get("parameters", []) if p["in"] == "path"]
        if method != "get" or parameters not in ([], ["office_slug"]):
            continue
        response = call(outsider_api, method, fill_path(path, operation, own), None)
        assert response.status_code == 200, path
        assert not VICTIM_MARK.search(response.content.decode()), path


def test_the_same_write_succeeds_for_the_victims_own_admin(schema, victims, admin_user):
    """The bodies above are real writes: the office's own admin gets them through."""
    owner = token_client(admin_user)
    writes = [
        (method, path, operation)
        for method, path, operation in operations(schema)
        if method != "get"
    ]
    assert len(writes) >= 6
    for method, path, operation in writes:
        url = fill_path(path, operation, victims)
        response = call(owner, method, url, minimal_body(schema, operation, victims))
        assert 200 <= response.status_code < 300, (
            f"{method.upper()} {url}: {response.status_code} {response.content[:300]!r}"
        )
