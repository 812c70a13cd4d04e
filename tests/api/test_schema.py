"""The OpenAPI schema and the docs, and two walks over every operation it lists."""

import re

import pytest
from django.test import Client

from ..factories import ProviderFactory

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/v1/openapi.json"


@pytest.fixture
def schema(client):
    response = client.get(SCHEMA_URL)
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method in item:
            if method in {"get", "post", "put", "patch", "delete"}:
                yield method, path


def test_schema_is_openapi_3_and_lists_the_provider_paths(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Balise API"
    assert {
        ("get", "/api/v1/offices/"),
        ("get", "/api/v1/offices/{office_slug}/providers"),
        ("post", "/api/v1/offices/{office_slug}/providers"),
        ("get", "/api/v1/offices/{office_slug}/providers/{provider_id}"),
        ("put", "/api/v1/offices/{office_slug}/providers/{provider_id}"),
        ("patch", "/api/v1/offices/{office_slug}/providers/{provider_id}"),
    } <= set(operations(schema))
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_schema_documents_limits_and_choices(schema):
    components = schema["components"]["schemas"]
    assert "hotel" in components["Category"]["enum"]
    patch = components["ProviderPatch"]
    assert patch["additionalProperties"] is False
    assert patch["properties"]["name"]["maxLength"] == 200
    assert components["ProviderIn"]["required"] == ["name"]


def test_every_reference_in_the_schema_resolves(schema):
    refs = set(re.findall(r'"\$ref": "([^"]+)"', Client().get(SCHEMA_URL).content.decode()))
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in schema["components"]["schemas"], ref


def test_schema_passes_the_openapi_validator(schema):
    # Optional dev tool: runs where openapi-spec-validator is installed.
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(schema)


def test_docs_page_is_served(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content


def _concrete(path: str, office_slug: str, provider_id: int) -> str:
    path = path.replace("{office_slug}", office_slug).replace("{provider_id}", str(provider_id))
    return re.sub(r"{[^}]+}", "1", path)


def test_every_operation_needs_a_token(schema, office):
    provider = ProviderFactory(office=office)
    client = Client()
    for method, path in operations(schema):
        url = _concrete(path, office.slug, provider.pk)
        if method == "get":
            response = client.get(url)
        else:
            response = getattr(client, method)(url, "{}", content_type="application/json")
        assert response.status_code == 401, (method, path)
