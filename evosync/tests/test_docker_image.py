"""The image and the compose file keep secrets in and strangers out (issue 12, finding 6).

No Docker engine here: the Dockerfile, .dockerignore and docker-compose.yml are read as text, and
.dockerignore's patterns are matched the way Docker matches them (from the context's root, `*` within
one folder, `**` across folders, a matched folder takes its contents, `!` re-includes, last match wins)."""

import os
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

NEVER_COPIED = [
    ".env",
    ".env.production",
    "evosync/.env",
    "db.sqlite3",
    "db.sqlite3-journal",
    "var/bench/bench.sqlite3",
    "tools/bench/old.sqlite3",
    "var/broker/control/evosync.exchange",
    "var/cache/abc.djcache",
    "var/locks/merchant-1.lock",
    "media/sync/default-photos/shop.png",
    ".git/config",
    ".git/objects/ab/cdef",
    ".venv/bin/python",
    ".venv/lib/python3.11/site-packages/django/__init__.py",
    "test-artifacts/junit.xml",
    "accounts/__pycache__/models.cpython-311.pyc",
    "vksync/rules.pyc",
    ".pytest_cache/README.md",
    ".ruff_cache/content",
    "staticfiles/css/evosync.css",
]
ALWAYS_COPIED = [
    "manage.py",
    "requirements.txt",
    "requirements-mysql.txt",
    "evosync/settings/__init__.py",
    "evosync/wsgi.py",
    "vksync/rules.py",
    "vksync/migrations/0001_initial.py",
    "templates/base.html",
    "static/css/evosync.css",
    "static/img/default-product.png",
    "emulators/vk/app.py",
]


def docker_pattern(pattern: str) -> re.Pattern:
    """A .dockerignore line as a regex over slash-separated paths from the context's root."""
    parts = []
    for segment in os.path.normpath(pattern.strip("/")).split("/"):
        if segment == "**":
            parts.append("(?:.*/)?")
            continue
        regex = ""
        for char in segment:
            regex += {"*": "[^/]*", "?": "[^/]"}.get(char, char if char in "[]" else re.escape(char))
        parts.append(regex + "/")
    return re.compile("".join(parts).rstrip("/").replace("(?:.*/)?/", "(?:.*/)?") + "$")


def ignored(path: str, lines: list[str]) -> bool:
    result = False
    prefixes = ["/".join(path.split("/")[: n + 1]) for n in range(path.count("/") + 1)]
    for line in lines:
        exception = line.startswith("!")
        pattern = docker_pattern(line.lstrip("!"))
        if any(pattern.match(prefix) for prefix in prefixes):
            result = not exception
    return result


@pytest.fixture(scope="module")
def dockerignore() -> list[str]:
    text = (ROOT / ".dockerignore").read_text()
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_the_matcher_matches_like_docker():
    assert ignored("var/x", ["var/"]) and not ignored("avar/x", ["var/"])
    assert ignored("db.sqlite3", ["*.sqlite3"]) and not ignored("var/db.sqlite3", ["*.sqlite3"])
    assert ignored("var/db.sqlite3", ["**/*.sqlite3"]) and ignored("db.sqlite3", ["**/*.sqlite3"])
    assert not ignored(".env.example", [".env*", "!.env.example"])


@pytest.mark.parametrize("path", NEVER_COPIED)
def test_copy_never_takes_secrets_local_data_history_or_caches(dockerignore, path):
    assert ignored(path, dockerignore), f"COPY . . would put {path} into the image"


@pytest.mark.parametrize("path", ALWAYS_COPIED)
def test_copy_still_takes_the_code_and_static_files(dockerignore, path):
    assert (ROOT / path).exists(), path
    assert not ignored(path, dockerignore), f"{path} would be missing from the image"


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]


def test_the_image_runs_as_a_user_that_is_not_root():
    instructions = dockerfile_instructions()
    users = [argument.split(":")[0] for name, argument in instructions if name == "USER"]
    assert users, "no USER line: every process would run as root"
    assert users[-1] not in ("root", "0"), users
    created = " ".join(argument for name, argument in instructions if name == "RUN")
    assert re.search(rf"useradd .*\b{users[-1]}\b", created), "the USER is never created"


def test_only_var_and_media_are_the_users_and_the_code_is_not():
    runs = [argument for name, argument in dockerfile_instructions() if name == "RUN"]
    chowns = [command for run in runs for command in run.split("&&") if "chown" in command]
    assert chowns, "var/ and media/ must be writable by the app's user"
    owned = " ".join(chowns)
    assert "/app/var" in owned and "/app/media" in owned
    assert not re.search(r"chown[^&]*\s/app(\s|/?$)", owned), "the code must stay read-only to the app's user"
    copies = [argument for name, argument in dockerfile_instructions() if name == "COPY"]
    assert not any("--chown" in copy for copy in copies)


def test_flower_is_published_on_loopback_by_default():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for port in compose["services"]["flower"]["ports"]:
        host = str(port).rsplit(":", 2)[0] if str(port).count(":") >= 2 else ""
        default = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", host)
        assert default == "127.0.0.1", f"Flower's port {port} is published on every interface by default"


def test_the_flower_bind_variable_is_documented():
    assert re.search(r"^FLOWER_BIND=127\.0\.0\.1$", (ROOT / ".env.example").read_text(), re.M)
