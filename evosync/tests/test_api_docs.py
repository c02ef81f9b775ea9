"""/openapi.json, /openapi.yaml, /docs and /redoc: public, the description served is valid OpenAPI 3.1, and the
readers' pages name only EvoSync's own static files."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from evosync.api_docs import DESCRIPTION


@pytest.mark.django_db
def test_openapi_json_is_the_description_and_valid_openapi_3_1(client):
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/json"
    served = answer.json()
    assert served == yaml.safe_load(DESCRIPTION.read_text(encoding="utf-8"))
    assert served["openapi"].startswith("3.1")
    validate(served, cls=OpenAPIV31SpecValidator)  # raises on anything OpenAPI 3.1 does not allow
    assert {"/health", "/sync/progress", "/connections/evotor/test", "/connections/vk/test"} <= set(served["paths"])


@pytest.mark.django_db
def test_openapi_yaml_is_the_file_itself(client):
    answer = client.get("/openapi.yaml")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/yaml")
    assert answer.content.decode() == DESCRIPTION.read_text(encoding="utf-8")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_reader_pages_are_public_and_load_only_our_static_files(client, path):
    answer = client.get(path)
    assert answer.status_code == 200
    html = answer.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert sources, "the page names its scripts and styles"
    for source in sources:
        assert source.startswith("/static/"), f"{source} is not served by EvoSync"
        assert finders.find(source.removeprefix("/static/")), f"{source} is not among the static files"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script the CSP would block"


@pytest.mark.django_db
def test_only_redoc_lets_inline_styles_in_and_no_page_inline_scripts(client):
    docs_policy = client.get("/docs")["Content-Security-Policy"]
    redoc_policy = client.get("/redoc")["Content-Security-Policy"]
    assert "'unsafe-inline'" not in docs_policy
    style = next(part for part in redoc_policy.split(";") if part.strip().startswith("style-src"))
    script = next(part for part in redoc_policy.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" in style
    assert "'unsafe-inline'" not in script
