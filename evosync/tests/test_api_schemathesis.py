"""Schemathesis against `evosync/api/openapi.yaml` (issue 12, the fuzz suite): for every operation it
describes, requests generated from the description — valid ones and broken ones — go to the real WSGI
application, and every answer must be documented: never a 5xx, the documented status, content type and
body. The figures (cases sent, 5xx seen) are printed at the end of `make test`.

API_FUZZ_EXAMPLES (default 250 per operation and mode) sets the depth; 1000 for a long hunt.
"""

import os
import tempfile
import zlib
from pathlib import Path

import pytest
import schemathesis
import yaml
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir
from jsonschema import Draft202012Validator
from schemathesis import GenerationMode
from schemathesis import checks as builtin

from accounts.tests.factories import UserFactory
from connections.tests.factories import EvotorConnectionFactory, VkConnectionFactory
from emulators.vk.fixtures import TEST_GROUP_ID
from webhooks.services import api_token_for

set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "evosync-hypothesis"))  # its caches stay out of git
SPEC = Path(__file__).resolve().parents[1] / "api" / "openapi.yaml"
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "250"))
TALLY = f"API fuzz (schemathesis, {EXAMPLES} examples per operation and mode)"  # its line in `make test`'s summary
SECRET = "test-webhook-secret"
PUSHING_USER = "01-000000000000777"
CALLBACK_PATH, CALLBACK_SECRET = "fuzzed-community", "callback-secret"
CSRF = "k" * 32  # a well-formed CSRF secret: the page endpoints are called as a logged-in page would
CHECKS = [
    builtin.not_a_server_error,
    builtin.status_code_conformance,
    builtin.content_type_conformance,
    builtin.response_schema_conformance,
    builtin.negative_data_rejection,
]

# The credentials are sent by `credentials()` below, as a legitimate caller would; the generated cases vary
# everything else (a missing or wrong credential is the webhook tests' job: webhooks/tests).
schema = schemathesis.openapi.from_path(SPEC)
DESCRIPTION = yaml.safe_load(SPEC.read_text())  # for broken_as_described()
schema.config.generation.update(with_security_parameters=False)
APP = get_wsgi_application()


@pytest.fixture
def app():
    """The WSGI application, called as a server would, inside the test's transaction: like Django's test client,
    the database connection is not closed at each request's start and end (a closed connection ends the test's
    transaction on MariaDB: "server has gone away"; SQLite's test database ignores the close)."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    yield APP
    for signal in signals:
        signal.connect(close_old_connections)


@pytest.fixture
def world(db, settings):
    """A merchant logged in (the page endpoints), an Evotor user with EvoSync's token (the legacy push), and a VK
    community whose Callback API points at EvoSync."""
    settings.EVOTOR_WEBHOOK_SECRET = SECRET
    connection = EvotorConnectionFactory(evotor_user_id=PUSHING_USER, token="cloud")
    VkConnectionFactory(callback_path=CALLBACK_PATH, callback_secret=CALLBACK_SECRET, callback_confirmation="c0de")
    from django.test import Client

    client = Client()
    client.force_login(UserFactory())
    return {"session": client.cookies["sessionid"].value, "push_token": api_token_for(connection.evotor_user_id)}


def credentials(case, world):
    """What a legitimate caller of this operation sends: the security scheme the description names."""
    requirements = case.operation.definition.raw.get("security") or [{}]
    scheme = next(iter(requirements[0]), None)
    if scheme == "evotorServerSecret":
        return {"Authorization": f"Bearer {SECRET}"}, {}
    if scheme == "evotorUserToken":
        return {"Authorization": f"Bearer {world['push_token']}"}, {}
    if scheme == "merchantSession":
        return {"X-CSRFToken": CSRF}, {"sessionid": world["session"], "csrftoken": CSRF}
    return {}, {}


def about_a_known_user(case):
    """Valid bodies name an Evotor user EvoSync knows, every other time, so that `/user/token` and the
    event handlers are reached past "unknown userId" (a rejected, negative case is left as generated)."""
    body = case.body
    valid = case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE
    if valid and isinstance(body, dict) and "userId" in body and zlib.crc32(repr(sorted(map(repr, body))).encode()) % 2:
        body["userId"] = PUSHING_USER


def to_the_known_community(case):
    """Valid VK callbacks go to the community's address, with its group_id and secret, every other time, so that
    events are kept and confirmations answered (a rejected, negative case is left as generated)."""
    body = case.body
    valid = case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE
    if not valid or case.operation.path != "/vk/callback/{path}" or not isinstance(body, dict):
        return
    if zlib.crc32(repr(sorted(map(repr, body))).encode()) % 2:
        case.path_parameters["path"] = CALLBACK_PATH
        body.update(group_id=TEST_GROUP_ID, secret=CALLBACK_SECRET)


def broken_as_described(case) -> bool:
    """Whether a case made to be broken breaks the description. Schemathesis can mutate one branch of an `anyOf`
    into a value another branch accepts (an integer branch turned into a valid string): such a body is valid, and
    a 200 for it is right. Valid cases and bodies that are not JSON objects are taken as generated."""
    mode = case.meta.generation.mode if case.meta is not None else GenerationMode.POSITIVE
    if mode != GenerationMode.NEGATIVE or not isinstance(case.body, dict):
        return mode == GenerationMode.NEGATIVE
    content = case.operation.definition.raw.get("requestBody", {}).get("content", {})
    body_schema = content.get("application/json", {}).get("schema")
    if body_schema is None:
        return True
    validator = Draft202012Validator(
        {**body_schema, "components": DESCRIPTION["components"]}, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    return not validator.is_valid(case.body)


# One test per operation and mode, each with a node id of its own (schemathesis's own `parametrize` gives every
# operation the same id, and `pytest-xdist --dist loadgroup`, as CI runs, then ran only one of them).
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


def breakable(operation) -> bool:
    """Broken requests can be made of a body with a schema; an operation with no input or one that takes any
    body has nothing to break (hypothesis would find no broken case)."""
    content = operation.definition.raw.get("requestBody", {}).get("content", {})
    return any(media.get("schema") for media in content.values())


CASES = [(operation, GenerationMode.POSITIVE) for operation in OPERATIONS] + [
    (operation, GenerationMode.NEGATIVE) for operation in OPERATIONS if breakable(operation)
]
FUZZ = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.mark.parametrize(("operation", "mode"), CASES, ids=[f"{op.label} {mode.value}" for op, mode in CASES])
def test_every_generated_request_gets_a_documented_answer(operation, mode, app, world, status_tally):
    statuses = status_tally(TALLY)

    @FUZZ
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case):
        answer(case, app, world, statuses)

    send()


def answer(case, app, world, statuses):
    headers, cookies = credentials(case, world)
    about_a_known_user(case)
    to_the_known_community(case)
    checks = CHECKS if broken_as_described(case) else [c for c in CHECKS if c is not builtin.negative_data_rejection]
    response = case.call(app=app, headers=headers, cookies=cookies)
    statuses[response.status_code] += 1
    assert response.status_code < 500, response.text[:300]  # checked below too, with the whole description
    case.validate_response(response, checks=checks, headers=headers, transport_kwargs={"app": app})
