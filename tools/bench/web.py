"""`manage.py bench_web` (`make bench-web`): the merchant's pages at 10,000 products under gunicorn.

A merchant with the whole scenario's catalog, its VK cache and sync runs (made through the emulators);
gunicorn serves EvoSync on 127.0.0.1; `clients` threads, each an HTTP connection (`PageClient`) with the
merchant's session cookie, ask the pages round-robin until `requests` answers or `duration` seconds.
Queries per page are counted once per page in a worker process (test Client + CaptureQueriesContext).
"""

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from emulators.server import serve_in_thread
from tools.bench.runner import sync_engine_available
from tools.bench.scenario import Scenario, World, worker_env
from tools.bench.workers import Workers

MAX_QUERIES, MAX_P95_MS = 12, 150
START_TIMEOUT_SECONDS = 60


@dataclass
class WebOptions:
    clients: int = 20
    requests: int = 3000
    duration: float = 90.0
    gunicorn_workers: int = 2 * (os.cpu_count() or 1) + 1
    think: float = 0.0  # seconds a client waits between its pages (0: as fast as answers come)


def page_urls(ids: dict, *, with_sync: bool) -> list[str]:
    store, group, album = ids["store"], ids["group"], ids["album"]
    urls = [
        f"/catalog/stores/{store}/products",
        f"/catalog/stores/{store}/products?page=20",
        f"/catalog/stores/{store}/products?q=%D0%BC%D0%BE%D0%BB%D0%BE%D0%BA%D0%BE",  # «молоко»
        "/vk-catalog/albums",
        "/vk-catalog/albums/0/products?page=10",
    ]
    if group:
        urls.insert(2, f"/catalog/stores/{store}/products?group={group}")
    if album:
        urls += [f"/vk-catalog/albums/{album}/products", f"/vk-catalog/albums/{album}/products?page=2"]
    if with_sync:
        urls.append("/sync")
    return urls


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn serving EvoSync on loopback; stopped (SIGTERM, then kill) on exit."""

    def __init__(self, env: dict, workers: int, cwd, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "gunicorn", "evosync.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
                   "--workers", str(workers), "--log-level", "warning"]  # fmt: skip
        self.process = subprocess.Popen(command, env=env, cwd=cwd)  # noqa: S603 - our own command line

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}")
            try:
                if requests.get(f"{self.url}/login", timeout=2).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer in time")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class PageClient:
    """One client's HTTP/1.1 connection (http.client: the load generator shares the server's 2 cores, and
    requests spent ~2 ms of CPU per page). Kept alive while the server allows it; reopened when it closes."""

    def __init__(self, base_url: str, cookie: tuple[str, str]):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.headers = {"Cookie": f"{cookie[0]}={cookie[1]}", "Accept-Encoding": "identity"}
        self.connection: http.client.HTTPConnection | None = None

    def get(self, path: str) -> int:
        """The page's status once its whole body is read; a connection the server dropped is retried once."""
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
            try:
                self.connection.request("GET", path, headers=self.headers)
                response = self.connection.getresponse()
                response.read()
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt == 2:
                    raise
                continue
            if response.will_close:
                self.close()
            return response.status
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def load(base_url: str, urls: list[str], cookie: tuple[str, str], options: WebOptions) -> dict[str, list]:
    """Clients ask the pages round-robin; returns {url: [(ms, status), ...]}. Bounded in count and time."""
    results: dict[str, list] = {url: [] for url in urls}
    lock = threading.Lock()
    issued = iter(range(options.requests))
    deadline = time.monotonic() + options.duration

    def client(number: int) -> None:
        pages = PageClient(base_url, cookie)
        for url in urls:  # warm this client's connection and the workers' caches, not measured
            pages.get(url)
        while time.monotonic() < deadline:
            with lock:
                n = next(issued, None)
            if n is None:
                break
            url = urls[(n + number) % len(urls)]
            start = time.perf_counter()
            try:
                status = pages.get(url)
            except (http.client.HTTPException, OSError):
                status = 0
            elapsed = (time.perf_counter() - start) * 1000
            with lock:
                results[url].append((elapsed, status))
            if options.think:
                time.sleep(options.think)
        pages.close()

    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(options.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=options.duration + 60)
    return results


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def page_rows(results: dict, queries: dict) -> list[dict]:
    rows = []
    for url, samples in results.items():
        times = [ms for ms, _ in samples]
        rows.append(
            {
                "phase": "web",
                "page": url,
                "requests": len(samples),
                "errors": sum(1 for _, status in samples if status != 200),
                "p50_ms": statistics.median(times) if times else None,
                "p95_ms": percentile(times, 0.95) if times else None,
                "max_ms": max(times) if times else None,
                "queries": queries.get(url, {}).get("queries"),
                "status": queries.get(url, {}).get("status"),
            }
        )
    return rows


def web_line(row: dict) -> str:
    data = {k: (round(v, 1) if isinstance(v, float) else v) for k, v in row.items()}
    return "BENCH " + json.dumps(data, ensure_ascii=False)


def web_table(rows: list[dict]) -> str:
    lines = [
        "| page | requests | errors | p50 ms | p95 ms | max ms | queries | met |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        met = (r["queries"] or 99) <= MAX_QUERIES and (r["p95_ms"] or 1e9) <= MAX_P95_MS and not r["errors"]
        lines.append(
            f"| `{r['page']}` | {r['requests']} | {r['errors']} | {r['p50_ms'] or 0:.0f} | {r['p95_ms'] or 0:.0f} | "
            f"{r['max_ms'] or 0:.0f} | {r['queries']} | {'yes' if met else 'NO'} |"
        )
    return "\n".join(lines)


def run_web(scenario: Scenario, options: WebOptions, *, database_url: str, var_dir, base_dir, say=print) -> dict:
    """Prepare the merchant, serve EvoSync with gunicorn, load the pages; returns rows and the set-up facts."""
    world = World(scenario)
    with ExitStack() as stack:
        evotor_url = stack.enter_context(serve_in_thread(world.evotor.wsgi_app))
        vk_url = stack.enter_context(serve_in_thread(world.vk.wsgi_app))
        world.evotor.base_url, world.vk.base_url = evotor_url, vk_url
        env = worker_env(
            scenario=scenario, database_url=database_url, var_dir=var_dir, evotor_url=evotor_url, vk_url=vk_url
        )
        workers = Workers(env, var_dir / "jobs")
        say(f"[bench-web] preparing a merchant with {scenario.products} products")
        workers.run("migrate")
        workers.run("collectstatic")
        merchant_id = workers.run("setup_merchants", merchants=[world.add_merchant("m1").as_job()])["out"]["m1"]
        for job in ("evotor_refresh", "select_stores", "evotor_refresh"):
            workers.run(job, merchant_id=merchant_id)
        with_sync = sync_engine_available()
        if with_sync:
            world.change_products("m1", scenario.change_share)
            for job in ("sync", "evotor_refresh", "sync", "sync"):  # a few runs for the /sync page's history
                workers.run(job, merchant_id=merchant_id)
        else:
            workers.run("vk_refresh", merchant_id=merchant_id)
        ids = workers.run("page_ids", merchant_id=merchant_id)["out"]
        urls = page_urls(ids, with_sync=with_sync)
        queries = workers.run("page_queries", merchant_id=merchant_id, urls=urls)["out"]
        cookie = workers.run("login_session", merchant_id=merchant_id)["out"]
        gunicorn = Gunicorn(env, options.gunicorn_workers, base_dir)
        stack.callback(gunicorn.stop)
        gunicorn.wait_ready()
        say(f"[bench-web] gunicorn ({options.gunicorn_workers} workers) at {gunicorn.url}; "
            f"{options.clients} clients, ≤ {options.requests} requests, ≤ {options.duration:.0f} s")  # fmt: skip
        started = time.perf_counter()
        results = load(gunicorn.url, urls, (cookie["cookie"], cookie["value"]), options)
        elapsed = time.perf_counter() - started
    rows = page_rows(results, queries)
    total = sum(r["requests"] for r in rows)
    return {"rows": rows, "elapsed_s": elapsed, "throughput": total / elapsed if elapsed else 0, "with_sync": with_sync}
