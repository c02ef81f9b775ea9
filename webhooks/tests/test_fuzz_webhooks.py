"""Property: whatever body arrives at a webhook — any nesting, type, size or Unicode — the answer is never a
5xx, and every answer that is not 2xx is Evotor's error body (issue 12, the fuzz suite)."""

import json
import os
import tempfile

import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from connections.tests.factories import EvotorConnectionFactory
from webhooks.services import api_token_for

pytestmark = pytest.mark.django_db
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "evosync-hypothesis"))  # its caches stay out of git
SECRET = "test-webhook-secret"
KNOWN_USER = "01-000000000000900"
PUSH = "/api/v1/inventories/stores/20240101-AAAA-4000-8000-000000000001/products"
RECEIPTS = "/api/v2/receipts"
DOCUMENTS = "/api/v1/inventories/stores/20240101-AAAA-4000-8000-000000000001/documents"
ENDPOINTS = [
    "/user/create", "/user/verify", "/user/token", "/subscription/event", "/installation/event", PUSH, RECEIPTS,
    DOCUMENTS,
]  # fmt: skip
USER_TOKEN_PATHS = {PUSH, RECEIPTS, DOCUMENTS}  # authorized with the token EvoSync issued, not the server secret
# Per endpoint: 200 keeps `make test` quick; WEBHOOK_FUZZ_EXAMPLES=5000 for a deeper hunt.
EXAMPLES = int(os.environ.get("WEBHOOK_FUZZ_EXAMPLES", "200"))
TALLY = f"Webhook fuzz (hypothesis, {EXAMPLES} examples per endpoint)"  # its line in `make test`'s summary

# Text from all of Unicode, now and then with a lone surrogate (valid JSON as `"\ud800"`, stored nowhere).
texts = st.text(st.characters() | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), max_size=40)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4), max_leaves=20
)
# Values Evotor's fields take, so that bodies get past the first check and reach the database.
plausible = st.one_of(
    st.from_regex(r"01-[0-9]{15}", fullmatch=True),
    st.sampled_from([KNOWN_USER, "shop@example.com", DEFAULT_PASSWORD, "SubscriptionCreated", "ApplicationInstalled"]),
    st.emails(),
    st.integers(min_value=-1, max_value=2**64),
    st.from_regex(r"[0-9]{1,25}", fullmatch=True),
    st.sampled_from(["2026-01-01T10:00:00.000+0000", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]),
    st.text(st.sampled_from("01-aZ_ \x00\n\u202e²١"), min_size=0, max_size=70),
)
FIELDS = ["userId", "userUuid", "email", "EMAIL", "login", "username", "password", "token", "subscriptionId",
          "sequenceNumber", "type", "id", "timestamp", "productId", "planId", "customField", "items", "storeId",
          "positions", "productUuid", "uuid", "body", "documents"]  # fmt: skip
fields = st.sampled_from(FIELDS) | texts
objects = st.recursive(
    st.dictionaries(fields, plausible | values, max_size=8),
    lambda inner: st.dictionaries(fields | st.just("data"), inner | plausible, max_size=6),
    max_leaves=12,
)


def nested(depth_and_brackets):
    depth, (opening, closing) = depth_and_brackets
    return '{"userId": "01-1", "x": ' + opening * depth + "0" + closing * depth + "}"


raw_bodies = st.one_of(
    objects.map(json.dumps),
    objects.map(lambda body: json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")),
    values.map(json.dumps),
    st.tuples(st.integers(1, 30_000), st.sampled_from([("[", "]"), ('{"a":', "}")])).map(nested),
    st.integers(0, 3_000_000).map(lambda size: '{"userId": "01-1", "pad": "' + "x" * size + '"}'),
    st.binary(max_size=300),
    st.sampled_from(['{"n": NaN}', '{"n": 1e400}', '{"n": -Infinity}', '{"userId": "\\ud800"}', "", "null"]),
)
# Mostly the right credential for the path (Evotor's secret, or for the push our token for a known user).
authorizations = st.sampled_from(["right"] * 7 + ["other", "nonsense", "none"])


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.EVOTOR_WEBHOOK_SECRET = SECRET


@pytest.fixture
def known_accounts():
    """An account with a password and an Evotor user linked, so verify, token and push reach their work."""
    EvotorConnectionFactory(evotor_user_id=KNOWN_USER, merchant__email="known@example.com")
    UserFactory(email="shop@example.com")


def assert_evotor_answer(path, response):
    assert response.status_code < 500, response.content[:500]
    if 200 <= response.status_code < 300:
        if path in ("/user/create", "/user/verify"):
            body = json.loads(response.content)
            assert set(body) == {"userId", "token"} and 0 < len(body["token"]) <= 128
        else:
            assert response.content == b""
        return
    assert response["Content-Type"] == "application/json", response.content[:300]
    body = json.loads(response.content)
    assert set(body) == {"errors"} and isinstance(body["errors"], list) and body["errors"]
    for error in body["errors"]:
        assert type(error["code"]) is int
        assert set(error) <= {"code", "reason", "subject", "value"}
        assert all(isinstance(error[key], str) for key in error if key != "code")


@pytest.mark.parametrize("path", ENDPOINTS)
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # no .hypothesis folder in the repository
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(raw=raw_bodies, authorization=authorizations)
def test_any_body_gets_an_evotor_answer_and_never_a_5xx(known_accounts, status_tally, path, raw, authorization):
    secret, user_token = f"Bearer {SECRET}", f"Bearer {api_token_for(KNOWN_USER)}"
    right, other = (user_token, secret) if path in USER_TOKEN_PATHS else (secret, user_token)
    header = {"right": right, "other": other, "nonsense": "Bearer nonsense", "none": None}[authorization]
    headers = {"HTTP_AUTHORIZATION": header} if header else {}
    send = (
        Client(raise_request_exception=False).put if path == DOCUMENTS else Client(raise_request_exception=False).post
    )
    response = send(path, data=raw, content_type="application/json", **headers)
    status_tally(TALLY)[response.status_code] += 1
    assert_evotor_answer(path, response)
