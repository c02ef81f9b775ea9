"""The per-merchant lock: one holder at a time, released on exit, per merchant and per job name."""

import pytest

from core.locks import merchant_lock


@pytest.mark.django_db
def test_second_holder_is_refused_until_the_first_leaves():
    with merchant_lock("job-a", 101, timeout=30) as first:
        with merchant_lock("job-a", 101, timeout=30) as second:
            assert (first, second) == (True, False)
        with merchant_lock("job-a", 102, timeout=30) as other_merchant:
            assert other_merchant is True
        with merchant_lock("job-b", 101, timeout=30) as other_job:
            assert other_job is True
    with merchant_lock("job-a", 101, timeout=30) as again:
        assert again is True


@pytest.mark.django_db
def test_lock_is_released_when_the_body_raises():
    with pytest.raises(RuntimeError), merchant_lock("job-c", 7, timeout=30):
        raise RuntimeError("boom")
    with merchant_lock("job-c", 7, timeout=30) as acquired:
        assert acquired is True
