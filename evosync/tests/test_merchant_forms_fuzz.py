"""Property (issue 12, the fuzz suite): whatever a merchant or a visitor posts to any form — any field, any
Unicode, any number written any way, fields missing or added — the answer is never a 5xx.

The forms are the ones `test_merchant_forms_never_500` lists (a form added later belongs there). That
module tries a fixed list of absurd values; this one lets hypothesis generate them, FORM_FUZZ_EXAMPLES per
form (default 40; 1000 for a long hunt). The figures are printed at the end of `make test`.
"""

import os
import tempfile

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from accounts.tests.factories import InviteFactory, UserFactory
from catalog.tests.factories import ProductGroupFactory, StoreFactory
from evosync.tests.test_merchant_forms_never_500 import ABSURD, FORMS, QUERIES, VISITOR_FORMS

pytestmark = pytest.mark.django_db
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "evosync-hypothesis"))  # its caches stay out of git
EXAMPLES = int(os.environ.get("FORM_FUZZ_EXAMPLES", "40"))
TALLY = f"Form fuzz (hypothesis, {EXAMPLES} examples per form)"  # its line in `make test`'s summary
FUZZ = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Any text a browser can send (no lone surrogates: they cannot be encoded), numbers written every way.
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.from_regex(r"[-+]?[0-9٠-٩²³¹]{1,25}([.,][0-9]{0,6})?\s*%?", fullmatch=True),
)
values = st.one_of(texts, numbers, st.sampled_from(ABSURD), st.sampled_from(["on", "off", "true", "1", "0"]))


def bodies(valid: dict):
    """The form's valid data with some fields replaced, some dropped, some added."""
    names = list(valid)
    return st.tuples(
        st.dictionaries(st.sampled_from(names), values, max_size=len(names)),
        st.sets(st.sampled_from(names), max_size=2),
        st.dictionaries(texts.filter(lambda t: t not in valid), values, max_size=2),
    ).map(lambda parts: {k: v for k, v in (valid | parts[0]).items() if k not in parts[1]} | parts[2])


@pytest.fixture
def world(client, settings, tmp_path, evotor_emulator, vk_emulator):
    settings.MEDIA_ROOT = tmp_path
    settings.ACCOUNT_RATE_LIMITS = False
    settings.AXES_ENABLED = False
    cache.clear()
    merchant = UserFactory()
    store = StoreFactory(merchant=merchant)
    group = ProductGroupFactory(store=store)
    return {"store": store.pk, "group": group.pk, "merchant": merchant}


def tally(counts, response, what):
    counts[response.status_code] += 1
    assert response.status_code < 500, f"{response.status_code} from {what}"


@pytest.mark.parametrize("path", FORMS)
def test_merchant_forms_never_answer_5xx_to_generated_input(client, world, status_tally, path):
    url = path.format(**world)

    @FUZZ
    @given(data=bodies(FORMS[path]))
    def post(data):
        client.force_login(world["merchant"])  # /profile/delete may have succeeded
        tally(status_tally(TALLY), client.post(url, data), f"POST {url} {str(data)[:300]}")

    post()


@pytest.mark.parametrize("path", VISITOR_FORMS)
def test_visitor_forms_never_answer_5xx_to_generated_input(client, world, status_tally, path):
    @FUZZ
    @given(data=bodies(VISITOR_FORMS[path]))
    def post(data):
        client.logout()
        if path == "/invite":
            client.get(f"/invite/{InviteFactory().token}")
        tally(status_tally(TALLY), client.post(path, data), f"POST {path} {str(data)[:300]}")

    post()


@pytest.mark.parametrize("path", QUERIES)
def test_list_page_filters_never_answer_5xx_to_generated_input(client, world, status_tally, path):
    url = path.format(**world)
    client.force_login(world["merchant"])
    query = {name: value.format(**world) for name, value in QUERIES[path].items()}

    @FUZZ
    @given(data=bodies(query))
    def get(data):
        tally(status_tally(TALLY), client.get(url, data), f"GET {url} {str(data)[:300]}")

    get()
