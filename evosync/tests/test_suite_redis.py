"""The test suite's Redis: two xdist workers never share a database (a `cache.clear()` in one emptied the other's
spread-out beat windows, and merchant ids repeat across the workers' test databases)."""

from evosync.test_settings import redis_of_this_worker


def test_each_xdist_worker_gets_its_own_redis_database_counting_down_from_redis_urls():
    url = "redis://127.0.0.1:6379/15"

    assert [redis_of_this_worker(url, worker) for worker in ("gw0", "gw1", "gw2")] == [
        "redis://127.0.0.1:6379/15",
        "redis://127.0.0.1:6379/14",
        "redis://127.0.0.1:6379/13",
    ]
    assert redis_of_this_worker("redis://127.0.0.1:6379/0", "gw1") == "redis://127.0.0.1:6379/15"


def test_without_xdist_or_redis_the_url_is_kept():
    assert redis_of_this_worker("redis://127.0.0.1:6379/15", "") == "redis://127.0.0.1:6379/15"
    assert redis_of_this_worker("", "gw1") == ""
