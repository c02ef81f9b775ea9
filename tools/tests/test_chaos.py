"""The chaos suite's fast part (`make test`): the faults that need no real process, small, with eager Celery.

The full set — a real worker SIGKILLed, Redis restarted, MariaDB connections cut, two workers — runs in
`make chaos` (CI's chaos step); here are also the harness's own pieces that need redis-server or MariaDB,
skipped with the reason when they are not there.
"""

import json
import os
import time

import pytest

from emulators.server import serve_in_thread
from tools.chaos import report
from tools.chaos.clusters import EagerCluster
from tools.chaos.faults import EvotorPageMissing, VkFailures, faults_for
from tools.chaos.harness import Harness, Outcome, world_for
from tools.chaos.processes import ChaosDatabase, RedisServer, free_port

pytestmark = pytest.mark.chaos


@pytest.fixture
def harness(settings):
    world = world_for(products=60, groups=4, image_share=0.3, vk_rate=1000, latency=0)
    cluster = EagerCluster()
    with serve_in_thread(world.evotor.wsgi_app) as evotor_url, serve_in_thread(world.vk.wsgi_app) as vk_url:
        world.evotor.base_url, world.vk.base_url = evotor_url, vk_url
        settings.EVOTOR_API_URL, settings.VK_API_URL = evotor_url, vk_url
        settings.EVOTOR_RETRY_BACKOFF_SECONDS = 0.01
        settings.VK_RATE_LIMIT_PER_SECOND = 1000
        settings.VK_RETRY_BACKOFF_SECONDS = 0.01
        settings.VK_MAX_RETRIES = 2
        yield Harness(world, cluster, seconds_per_fault=45)
    cluster.close()


@pytest.mark.django_db(transaction=True)
def test_random_vk_failures_converge_with_no_duplicate_and_nothing_lost(harness):
    outcome = harness.run(VkFailures(rate=0.1, seed=3))
    assert outcome.ok, outcome.problems()
    assert outcome.faults_injected >= 1 and outcome.runs_to_converge >= 1
    assert outcome.convergence == "ok" and outcome.noop_writes == 0


@pytest.mark.django_db(transaction=True)
def test_evotor_failing_on_page_7_of_10_marks_nothing_removed_and_converges(harness):
    fault = EvotorPageMissing()
    outcome = harness.run(fault)
    assert outcome.ok, outcome.problems()
    assert harness.world.evotor.page_size * 9 < 60 <= harness.world.evotor.page_size * 10  # ten pages
    assert outcome.faults_injected == fault.fault.times  # every try of one refresh met the missing page
    assert fault.lost == 0 and outcome.lost == 0


def test_outcome_fails_on_every_wrong_figure():
    good = Outcome(fault="f", faults_injected=3, runs_to_converge=2, triggers=1, tasks_queued=3, tasks_bound=9,
                   converged=True, convergence="ok", noop_writes=0)  # fmt: skip
    assert good.ok
    wrong = [{"duplicates": 1}, {"lost": 2}, {"tasks_queued": 10}, {"converged": False}, {"noop_writes": 1},
             {"convergence": "price differs"}, {"faults_injected": 0}, {"failures": ["worker exited"]}]  # fmt: skip
    for change in wrong:
        assert not Outcome(**{**good.__dict__, **change}).ok, change


def test_report_prints_one_line_and_one_chaos_json_per_fault():
    outcome = Outcome(fault="vk_failures", faults_injected=12, runs_to_converge=3, triggers=2, tasks_queued=4,
                      tasks_bound=12, converged=True, convergence="ok", noop_writes=0, seconds=5.0)  # fmt: skip
    line, chaos = report.lines(outcome)
    assert line.startswith("vk_failures") and "runs 3" in line and "duplicates 0" in line and line.endswith("ok")
    assert chaos.startswith("CHAOS ")
    figures = json.loads(chaos[6:])
    assert figures["runs_to_converge"] == 3 and figures["ok"] is True
    table = report.table([outcome])
    assert "| vk_failures | 12 | 3 | 2 | 0 | 0 | 4 (≤ 12) | yes |" in table


def test_faults_without_real_processes_are_left_to_make_chaos():
    chosen, skipped = faults_for(EagerCluster.provides)
    assert {f.name for f in chosen} == {"vk_failures", "evotor_page_7"}
    assert len(skipped) == 4 and all("make chaos" in reason for reason in skipped)


@pytest.mark.skipif(bool(RedisServer.available()), reason=RedisServer.available() or "redis-server is here")
def test_own_redis_starts_on_a_free_loopback_port_comes_back_from_a_kill_with_its_data_and_stops(tmp_path):
    server = RedisServer(free_port(), tmp_path)
    server.start()
    try:
        import redis

        client = redis.Redis(port=server.port)
        client.rpush("celery", "a queued task")
        pid = server.process.pid
        server.restart()
        assert server.process.pid != pid and server.restarts == 1
        assert client.lrange("celery", 0, -1) == [b"a queued task"]  # the append-only file, as in production
    finally:
        server.stop()
    assert server.process.poll() is not None


CHAOS_DB = os.environ.get("CHAOS_DATABASE_URL", "mysql://root@127.0.0.1:3306/evosync_chaos_harness_test")


@pytest.mark.skipif(bool(ChaosDatabase(CHAOS_DB).available()), reason=ChaosDatabase(CHAOS_DB).available() or "-")
def test_own_database_is_made_cut_and_dropped():
    import MySQLdb

    database = ChaosDatabase(CHAOS_DB)
    assert database.create().startswith(("MariaDB", "MySQL"))
    config = database.config
    victim = MySQLdb.connect(host=config["HOST"], port=int(config["PORT"]), user=config["USER"] or "root",
                             password=config.get("PASSWORD") or "", database=database.name)  # fmt: skip
    try:
        cursor = victim.cursor()
        cursor.execute("SELECT CONNECTION_ID()")
        own = cursor.fetchone()[0]
        assert database.kill_connections(keep=set()) == [own]
        time.sleep(0.1)
        with pytest.raises(MySQLdb.OperationalError):
            cursor.execute("SELECT 1")
    finally:
        victim.close()
        database.drop()
