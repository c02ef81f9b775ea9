"""The benchmark harness itself: its arithmetic, its naive replay plan, and a tiny run end to end.

Never about speed: sizes are tiny and nothing here asserts how fast anything is.
"""

import json
import math
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from emulators.vk.state import Album, Item, Photo, Property, Shop
from tools.bench import naive, report, sale_to_vk, timeline, vkcost
from tools.bench.measure import peak_rss_mb
from tools.bench.scenario import bench_database_url, modifications_of, variant_cards_for

BENCH_FIELDS = set(report.BENCH_FIELDS)


def _item(item_id, **fields):
    return Item(id=item_id, group_id=1, title=f"Товар {item_id}", description="описание товара", category_id=101,
                price=Decimal("10"), **fields)  # fmt: skip


def test_first_sync_minimum_packs_each_stage_and_keeps_saves_apart():
    before = Shop()
    after = Shop(
        albums={1: Album(1, 1, "Чай"), 2: Album(2, 1, "Кофе")},
        items={i: _item(i, album_ids=[1 if i <= 150 else 2]) for i in range(1, 201)},
        photos={p: Photo(p, 1, 800, 800) for p in (1, 2, 3)},
    )
    stages = vkcost.needed_calls(before, after)
    assert stages == {
        "reads": 2, "album_ops": 2, "properties": 0, "values": 0, "photo_servers": 3, "photo_saves": 3,
        "item_ops": 200, "membership": 2 + 1, "cards": 0, "album_deletes": 0,
    }  # fmt: skip
    # reads 1 + albums 1 + servers 1 + saves 3 + items 8 + membership 1
    assert vkcost.minimal_requests(stages) == 1 + 1 + 1 + 3 + 8 + 1


def test_bulk_minimum_asks_one_address_and_one_save_per_bulk_of_photos():
    after = Shop(items={1: _item(1)}, photos={p: Photo(p, 1, 800, 800) for p in range(1, 12)})
    stages = vkcost.needed_calls(Shop(), after, bulk_files=5)
    assert stages["photo_servers"] == stages["photo_saves"] == 3  # 11 photos, 5 to a bulk
    assert vkcost.minimal_requests(stages) == 1 + 1 + 3 + 1  # reads packed, servers packed, saves alone, the item


def test_card_work_counts_properties_values_and_cards_from_the_shops_before_and_after():
    size = Property(1, "Размер", variants={1: "S", 2: "M"})
    before = Shop(items={i: _item(i) for i in range(1, 7)}, properties={1: size}, groupings={1: [1, 2], 2: [3, 4]})
    after = Shop(
        items={i: _item(i) for i in range(1, 7)},
        properties={1: Property(1, "Размер", variants={1: "S", 2: "M", 3: "L"}),
                    2: Property(2, "Цвет", variants={4: "белый", 5: "чёрный"})},
        groupings={1: [1, 2], 3: [3, 4, 5]},  # card 1 kept; card 2 gone, its items and one more in a new card
    )  # fmt: skip
    stages = vkcost.needed_calls(before, after)
    assert (stages["properties"], stages["values"], stages["cards"]) == (1, 1 + 2, 1 + 1)
    assert stages["reads"] == 1 + 1 + 1  # albums, items, and the properties to reuse
    # reads 1 + properties 1 + values 1 + cards 1 (the ungroup and the group in one execute)
    assert vkcost.minimal_requests(stages) == 4
    assert vkcost.needed_calls(after, after)["reads"] == 2  # nothing to do with cards: no properties read


def test_a_fifth_of_a_photo_rich_store_goes_in_variant_cards():
    cards = variant_cards_for(500, 0.2)  # the --quick photo phases: 500 products a store
    assert modifications_of(cards) <= 100 < modifications_of(cards + 1)
    assert modifications_of(cards) >= 80 and cards >= 10
    assert variant_cards_for(500, 0) == 0


def test_naive_way_counts_a_photo_step_for_each_photo_of_a_bulk_save():
    answer = json.dumps({"photo": json.dumps({"photos": [{"upload_id": "a"}, {"upload_id": "b"}]}), "hash": "x"})
    entries = [{"method": "market.saveProductPhotoBulk", "params": {"upload_response": answer}}]
    assert [s["kind"] for s in naive.naive_steps(entries)] == [naive.PHOTO, naive.PHOTO]


def test_timeline_lays_out_runs_of_one_kind_and_the_longest_pause_first():
    def request(at, *inner, method="execute"):
        return {"time": at, "method": method, "inner": [{"method": m} for m in inner]}

    entries = [
        request(10.1, "market.getProductPhotoUploadServer"),
        request(10.2, method="market.saveProductPhotoBulk"),
        request(10.25, method="market.saveProductPhotoBulk"),
        request(11.0, "market.add"),  # 0.75 s after the last save: the stream waited
        request(11.05, "market.add"),
    ]
    text = timeline.describe(entries, started=10.0, finished=11.25, rate=10)
    assert text.startswith("requests 5, wall 1.25 s, bound 0.50 s")
    assert "before the first request 0.10 s; after the last 0.20 s" in text
    assert "   0.20    0.25         2  saveProductPhotoBulk" in text
    assert "   1.00    1.05         2  add" in text
    pauses = text.split("longest pauses between two requests:\n")[1].splitlines()
    assert pauses[0] == "  0.750 s at 0.25 s: saveProductPhotoBulk → add"


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="the parent's peak is inherited on Linux")
def test_a_fresh_worker_reports_its_own_peak_memory_not_its_parents():
    """The orchestrator (emulators holding every catalog) may be far bigger than a phase's worker: ru_maxrss of a
    process started by vfork + exec starts at its parent's peak, which the worker's figure must not show."""
    ballast = bytearray(256 * 2**20)
    ballast[::4096] = b"\x01" * len(range(0, len(ballast), 4096))  # every page written: resident
    assert peak_rss_mb() >= 256
    child = subprocess.run(
        [sys.executable, "-c", "from tools.bench.measure import peak_rss_mb; print(peak_rss_mb())"],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    del ballast
    assert float(child.stdout) < 128  # Python and Django's database module, nowhere near the parent's 256 MB


def test_unchanged_shop_needs_only_its_reads():
    shop = Shop(albums={1: Album(1, 1, "Чай")}, items={i: _item(i) for i in range(1, 402)})
    stages = vkcost.needed_calls(shop, shop)
    assert stages["reads"] == 1 + math.ceil(401 / 200)
    assert vkcost.minimal_requests(stages) == 1


def test_log_figures_count_requests_calls_and_writes():
    entries = [
        {"method": "execute", "inner": [{"method": "market.get"}, {"method": "market.getAlbums"}]},
        {"method": "execute", "inner": [{"method": "market.edit"}, {"method": "market.edit"}]},
        {"method": "market.saveProductPhoto"},
        {"method": "execute", "error_code": 6},
    ]
    figures = vkcost.log_figures(entries)
    assert figures["vk_requests"] == 4
    assert figures["vk_by_method"] == {"execute": 3, "market.saveProductPhoto": 1}
    assert figures["vk_calls"]["market.edit"] == 2
    assert figures["write_requests"] == 2
    assert figures["rate_limited"] == 1


def test_naive_steps_unpack_execute_and_add_items_to_albums_one_by_one():
    entries = [
        {"method": "market.getProductPhotoUploadServer", "params": {"group_id": "1", "v": "5.199"}},
        {"method": "market.saveProductPhoto", "params": {"upload_response": "{}", "v": "5.199"}},
        {"method": "execute", "params": {}, "inner": [
            {"method": "market.add", "params": {"owner_id": "-1", "name": "Чай"}},
            {"method": "market.addToAlbum", "params": {"owner_id": "-1", "item_ids": "7,5", "album_ids": "2"}},
        ]},
        {"method": "execute", "error_code": 6, "params": {}},
    ]  # fmt: skip
    steps = naive.naive_steps(entries)
    assert [s["kind"] for s in steps] == [naive.PHOTO, "market.add", "market.addToAlbum", "market.addToAlbum"]
    assert [s["params"]["item_ids"] for s in steps[2:]] == ["5", "7"]
    assert naive.naive_request_count(steps) == 2 + 1 + 2


def test_naive_sample_keeps_small_kinds_whole_and_extrapolates_per_kind():
    steps = [{"kind": "market.addAlbum", "params": {}}] * 2 + [{"kind": "market.add", "params": {}}] * 100
    chosen = naive.sample(steps, budget=22)
    kinds = [s["kind"] for s in chosen]
    assert kinds.count("market.addAlbum") == 2 and kinds.count("market.add") == 20
    measured = {"market.addAlbum": {"steps": 2, "requests": 2, "wall_s": 0.2, "errors": 0},
                "market.add": {"steps": 20, "requests": 20, "wall_s": 2.0, "errors": 0}}  # fmt: skip
    figures = naive.extrapolate(steps, measured)
    assert figures["naive_requests"] == 102
    assert figures["naive_wall_s"] == pytest.approx(0.2 + 2.0 * 100 / 20)
    assert figures["naive_sampled"] is True and figures["naive_measured_requests"] == 22


def test_sale_receipts_scale_with_the_catalog_and_a_tiny_shop_sells_a_quarter_of_it():
    assert sale_to_vk.receipts_for(10_000) == 200
    assert sale_to_vk.receipts_for(1000) == 20  # --quick: the floor
    assert sale_to_vk.receipts_for(24) == 6  # a test's shop: fewer than the floor, as many as it has on sale
    assert sale_to_vk.receipts_for(2) == 1


def test_bench_database_is_never_the_configured_one():
    assert bench_database_url(explicit="", configured="mysql://root@127.0.0.1:3306/evosync", var_dir=Path("/v")) == (
        "mysql://root@127.0.0.1:3306/evosync_bench"
    )
    assert bench_database_url(explicit="", configured="", var_dir=Path("/v")).endswith("/v/bench.sqlite3")


def _bench_database(tmp_path) -> str:
    """MariaDB when the suite runs on it (a database of the bench's own), else a SQLite file."""
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith("mysql"):  # named after the suite's own database: two suites never share it
        server, name = configured.split("?", 1)[0].rsplit("/", 1)
        return f"{server}/{name}_bench_harness"
    return f"sqlite:///{tmp_path / 'b.sqlite3'}"


def test_tiny_run_prints_a_complete_bench_line_per_phase(settings, tmp_path, capsys):
    settings.VAR_DIR = tmp_path
    docs = tmp_path / "benchmarks.md"
    call_command(
        "bench", "--products", "24", "--groups", "2", "--image-share", "0.2", "--vk-rate", "500", "--latency", "0",
        "--change-share", "0.1", "--naive-budget", "0", "--database-url", _bench_database(tmp_path),
        "--docs", str(docs), "--timeline", "first_sync",
    )  # fmt: skip
    lines = [json.loads(line[6:]) for line in capsys.readouterr().out.splitlines() if line.startswith("BENCH ")]
    phases = [line["phase"] for line in lines]
    assert phases[:2] == ["evotor_refresh", "evotor_images"]
    for line in lines:
        assert BENCH_FIELDS <= set(line), line["phase"]
    by = {line["phase"]: line for line in lines}
    if "first_sync" in by:  # the sync engine is on this branch
        assert phases == ["evotor_refresh", "evotor_images", "first_sync", "vk_refresh", "noop_resync",
                          "change_1pct", "remove_10pct", "sale_to_vk", "two_merchants", "order_to_merchant",
                          "first_sync_photos", "first_sync_photos_refused"]  # fmt: skip
        photos, refused = by["first_sync_photos"], by["first_sync_photos_refused"]
        # too few products for a card here (a fifth of 12 a store); the minimum counts what the shop gained
        assert photos["minimal_stages"]["cards"] == photos["vk_calls"].get("market.groupItems", 0)
        assert photos["photos_saved"] == photos["pictures"] > 0  # each picture once
        assert photos["vk_by_method"]["market.saveProductPhotoBulk"] == math.ceil(photos["photos_saved"] / 5)
        assert refused["photos_saved"] == refused["pictures"] > 0
        assert refused["vk_by_method"]["market.saveProductPhoto"] == refused["photos_saved"]
        assert "market.saveProductPhotoBulk" not in refused["vk_by_method"]
        orders = by["order_to_merchant"]  # on SQLite and the folder broker (one message a poll) under the suite's
        # load the worker may not finish in the phase's time: every event is kept, nothing is made twice
        assert orders["orders"] == orders["callback_events_kept"] == 100 and orders["order_rows"] > 0
        assert orders["repeated_deliveries"] > 0 and orders["duplicate_orders"] == orders["duplicate_notices"] == 0
        first = by["first_sync"]
        assert first["requests_ratio"] == pytest.approx(first["vk_requests"] / first["minimal_requests"], abs=1e-3)
        assert first["bound_s"] == pytest.approx(first["vk_requests"] / 500, abs=1e-3)
        assert first["time_ratio"] == pytest.approx(first["wall_s"] / first["bound_s"], rel=1e-2)
        assert first["naive_requests"] > first["vk_requests"]
        assert by["noop_resync"]["write_requests"] == 0
        laid_out = (tmp_path / "bench" / "timeline-first_sync.txt").read_text(encoding="utf-8")
        assert laid_out.startswith(f"requests {first['vk_requests']}, wall")
        assert by["first_sync"]["evotor_requests"] >= 1  # the product pictures, downloaded for upload
        sale = by["sale_to_vk"]  # a tiny shop sells a quarter of its products, each sale seen in VK
        assert sale["receipts"] == sale["receipts_delivered"] == sale_to_vk.receipts_for(24) == 6
        assert sale["unseen"] == 0
        assert sale["full_refreshes"] == sale["full_syncs"] == 0
    assert by["evotor_refresh"]["evotor_requests"] >= 1 + 2 * 2  # stores, then groups and products per store
    text = docs.read_text(encoding="utf-8")
    assert "| evotor_refresh |" in text and "Machine:" in text and report.START in text


def test_web_bench_client_sends_the_session_cookie_and_reconnects_when_the_server_closes():
    from emulators.server import serve_in_thread
    from tools.bench.web import PageClient

    seen = []

    def app(environ, start_response):
        seen.append((environ["PATH_INFO"], environ.get("HTTP_COOKIE")))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"page"]

    with serve_in_thread(app) as url:  # wsgiref answers HTTP/1.0: it closes every connection
        client = PageClient(url, ("sessionid", "abc"))
        assert [client.get("/a"), client.get("/b")] == [200, 200]
        client.close()
    assert seen == [("/a", "sessionid=abc"), ("/b", "sessionid=abc")]
