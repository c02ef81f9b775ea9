"""The processes the chaos harness starts and breaks: its own Redis, Celery workers, its own MariaDB database.

Everything listens on loopback; every process is started here and ended here by its pid (a worker by its
process group, which this module created: the pool's children die with it, as in a crashed machine);
every wait is bounded. Nothing here imports Django at import time: the harness starts Redis and makes its
database before Django is set up on them.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

START_SECONDS = 30
STOP_SECONDS = 20


class ChaosError(RuntimeError):
    pass


def free_port() -> int:
    """A TCP port nobody listens on now, on 127.0.0.1 (the OS picks it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, *, seconds: float, what: str, interval: float = 0.1) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise ChaosError(f"{what}: not within {seconds:.0f} s")
        time.sleep(interval)


class _Child:
    """A process this module started and ends: by its pid, or by its process group (`group`: the group it leads,
    made with start_new_session, so a worker's pool goes with it). `pids` lists it for whoever must clean up."""

    group = False

    def __init__(self, pids: "PidFile | None" = None):
        self.pids = pids
        self.process: subprocess.Popen | None = None

    def _started(self, process: subprocess.Popen) -> None:
        self.process = process
        if self.pids:
            self.pids.add(process.pid, group=self.group)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _signal(self, sig: int) -> None:
        try:
            if self.group:
                os.killpg(self.process.pid, sig)  # the group we made: its id is our child's pid
            else:
                self.process.send_signal(sig)
        except ProcessLookupError:
            pass

    def _ended(self) -> None:
        if self.pids:
            self.pids.remove(self.process.pid)

    def kill(self) -> None:
        """SIGKILL: it dies as in a crash, with no chance to clean up."""
        if self.process is not None:
            self._signal(signal.SIGKILL)
            self.process.wait(timeout=STOP_SECONDS)
            self._ended()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after STOP_SECONDS."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.process.wait(timeout=STOP_SECONDS)
        self._ended()


class RedisServer(_Child):
    """`redis-server` on 127.0.0.1:`port`, data in `directory`, with the append-only file as in production
    (docker-compose.yml): what was queued before a kill is there after the restart."""

    def __init__(self, port: int, directory: Path, pids: "PidFile | None" = None, *, appendfsync: str = "everysec"):
        super().__init__(pids)
        self.port, self.directory = port, Path(directory)
        self.appendfsync = appendfsync  # production's everysec; "always" where a test kills it right after a write
        self.restarts = 0

    @staticmethod
    def available() -> str:
        """'' when redis-server is on the PATH, else why not."""
        return "" if shutil.which("redis-server") else "redis-server is not on the PATH (apt-get install redis-server)"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        command = [
            "redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
            "--appendfsync", self.appendfsync, "--dir", str(self.directory),
            "--logfile", str(self.directory / "redis.log"), "--daemonize", "no",
        ]  # fmt: skip
        self._started(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # noqa: S603
        wait_until(self.answers, seconds=START_SECONDS, what=f"redis-server on port {self.port}")

    def answers(self) -> bool:
        if self.process is None or self.process.poll() is not None:
            raise ChaosError(f"redis-server on port {self.port} exited; see {self.directory / 'redis.log'}")
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def restart(self) -> None:
        """Killed by pid (SIGKILL: connections cut, nothing flushed) and started again on the same port."""
        self.kill()
        self.start()
        self.restarts += 1


class Worker(_Child):
    """A real Celery worker (`celery -A evosync worker`, prefork pool) as a process group of its own: killing
    it kills its pool too, as when the machine it ran on is gone."""

    group = True

    def __init__(self, name: str, env: dict, log: Path, *, concurrency: int = 2, cwd: Path, pids=None):
        super().__init__(pids)
        self.name, self.env, self.log, self.concurrency, self.cwd = name, env, log, concurrency, cwd

    @property
    def node(self) -> str:
        return f"{self.name}@{socket.gethostname()}"

    def start(self) -> None:
        # -E: task events (as Flower turns them on); the harness counts the sync tasks with them.
        command = [
            sys.executable, "-m", "celery", "-A", "evosync", "worker", "-n", self.node, "-E", "--loglevel=INFO",
            f"--concurrency={self.concurrency}", "--without-mingle", "--without-gossip",
        ]  # fmt: skip
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self._started(
                subprocess.Popen(  # noqa: S603 - our own worker
                    command, env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            )

    def wait_ready(self, app) -> None:
        def ready() -> bool:
            if not self.alive():
                raise ChaosError(f"worker {self.name} exited (code {self.process.returncode}); see {self.log}")
            try:  # a connection of its own: a pooled one may date from before a broker restart
                with app.connection_for_write() as connection:
                    return bool(app.control.ping(destination=[self.node], timeout=0.5, connection=connection))
            except Exception:  # noqa: BLE001 - the broker is restarting: ask again
                return False

        wait_until(ready, seconds=START_SECONDS * 2, what=f"worker {self.name} ready", interval=0.3)


class PidFile:
    """The pids this harness started, in a file, so whoever started the harness can end them if it hangs."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.entries: dict[int, bool] = {}

    def add(self, pid: int, *, group: bool) -> None:
        self.entries[pid] = group
        self._write()

    def remove(self, pid: int) -> None:
        self.entries.pop(pid, None)
        self._write()

    def _write(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lines = [f"{pid} {'group' if group else 'process'}" for pid, group in self.entries.items()]
        self.path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    @staticmethod
    def end_all(path: Path) -> list[int]:
        """SIGKILL every pid (or process group) listed in `path`; returns the pids ended."""
        ended = []
        try:
            lines = Path(path).read_text(encoding="utf-8").split()
        except OSError:
            return ended
        for pid, kind in zip(lines[::2], lines[1::2], strict=False):
            try:
                (os.killpg if kind == "group" else os.kill)(int(pid), signal.SIGKILL)
                ended.append(int(pid))
            except (ProcessLookupError, PermissionError, ValueError):
                continue
        Path(path).unlink(missing_ok=True)
        return ended


class ChaosDatabase:
    """The harness's own MariaDB database (the name must contain 'chaos'): made empty, dropped at the end,
    and the place where connections are cut (`KILL CONNECTION`)."""

    def __init__(self, url: str):
        import environ

        self.url = url
        self.config = environ.Env.db_url_config(url)
        self.name = self.config["NAME"]

    def _admin(self):
        import MySQLdb

        return MySQLdb.connect(
            host=self.config.get("HOST") or "127.0.0.1",
            port=int(self.config.get("PORT") or 3306),
            user=self.config.get("USER") or "root",
            password=self.config.get("PASSWORD") or "",
            connect_timeout=5,
        )

    def available(self) -> str:
        """'' when the server answers, else why not."""
        if not self.config["ENGINE"].endswith("mysql"):
            return f"the chaos database must be MariaDB/MySQL, not {self.config['ENGINE']}"
        try:
            import MySQLdb  # noqa: F401
        except ImportError:
            return "the MariaDB driver is not installed (DATABASE_URL=mysql://… make venv)"
        try:
            self._admin().close()
        except Exception as error:  # noqa: BLE001 - any reason the server cannot be used is a reason to skip
            return f"MariaDB does not answer at {self.config.get('HOST')}:{self.config.get('PORT')} ({error})"
        return ""

    def create(self) -> str:
        from tools.bench.scenario import reset_database

        return reset_database(self.url, guard="chaos")

    def drop(self) -> None:
        conn = self._admin()
        try:
            conn.cursor().execute(f"DROP DATABASE IF EXISTS `{self.name}`")
        finally:
            conn.close()

    def kill_connections(self, *, keep: set[int]) -> list[int]:
        """Cut every connection to this database but `keep` (the harness's own); returns the ids cut."""
        conn = self._admin()
        killed = []
        try:
            cursor = conn.cursor()
            cursor.execute(
                "SELECT id FROM information_schema.processlist WHERE db = %s AND id <> CONNECTION_ID()", [self.name]
            )
            for (connection_id,) in cursor.fetchall():
                if connection_id in keep:
                    continue
                try:
                    cursor.execute(f"KILL CONNECTION {int(connection_id)}")
                    killed.append(connection_id)
                except Exception:  # noqa: BLE001, S112 - it closed by itself meanwhile
                    continue
        finally:
            conn.close()
        return killed
