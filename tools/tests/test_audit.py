"""`make audit` (tools/audit.py) with a stand-in for pip-audit: a vulnerability fails it, an unreachable
vulnerability service is said loudly and fails nothing (unless --strict)."""

import json
import sys
import textwrap

import pytest

from tools import audit

# A stand-in for pip-audit: answers per service from the JSON in $FAKE_AUDIT (None: crash like a lost network).
FAKE = textwrap.dedent(
    """\
    import json, os, sys
    args = sys.argv[1:]
    service = args[args.index("-s") + 1] if "-s" in args else "pypi"
    answer = json.loads(os.environ["FAKE_AUDIT"])[service]
    with open(os.path.join(os.environ["FAKE_AUDIT_LOG"]), "a") as log:
        log.write(" ".join(args) + "\\n")
    if answer is None:
        sys.exit("requests.exceptions.ConnectionError: Failed to resolve 'api.osv.dev'")
    with open(args[args.index("--output") + 1], "w") as out:
        json.dump({"dependencies": answer, "fixes": []}, out)
    sys.exit(1 if any(dep.get("vulns") for dep in answer) else 0)
    """
)
SKIPPED = [
    {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited: django (5.2.19)"},
    {"name": "requests", "skip_reason": "Dependency not found on PyPI and could not be audited: requests (2.34.2)"},
]
CLEAN = [{"name": "django", "version": "5.2.19", "vulns": []}, {"name": "requests", "version": "2.34.2", "vulns": []}]
DJANGO_VULNERABLE = [
    {"name": "django", "version": "5.2.19", "vulns": [{"id": "PYSEC-2026-1", "fix_versions": ["5.2.20"]}]},
    {"name": "requests", "version": "2.34.2", "vulns": []},
]


@pytest.fixture
def pip_audit(tmp_path, monkeypatch):
    fake = tmp_path / "pip-audit"
    fake.write_text(f"#!{sys.executable}\n{FAKE}")
    fake.chmod(0o755)
    monkeypatch.setenv("PIP_AUDIT", str(fake))
    monkeypatch.setenv("FAKE_AUDIT_LOG", str(tmp_path / "calls.log"))

    def answers(*, pypi, osv=None):
        monkeypatch.setenv("FAKE_AUDIT", json.dumps({"pypi": pypi, "osv": osv}))
        return tmp_path / "calls.log"

    return answers


def test_a_vulnerable_pin_fails_the_audit_and_names_its_fix(pip_audit, capsys):
    pip_audit(pypi=DJANGO_VULNERABLE)

    assert audit.main([]) == 1
    out = capsys.readouterr().out
    assert out.count("audit: VULNERABLE django 5.2.19: PYSEC-2026-1 (fixed in 5.2.20)") == 1
    assert "1 known vulnerabilities" in out


def test_all_audited_and_clean_passes(pip_audit, capsys):
    pip_audit(pypi=CLEAN)

    assert audit.main(["--strict"]) == 0
    assert "audit: 2 packages: 2 audited, 0 known vulnerabilities, 0 not audited" in capsys.readouterr().out


def test_an_unreachable_service_is_said_loudly_but_fails_nothing(pip_audit, capsys):
    pip_audit(pypi=SKIPPED, osv=None)  # PyPI's per-version JSON answers 404; OSV's host does not resolve

    assert audit.main([]) == 0
    out = capsys.readouterr().out
    assert "audit: NOT AUDITED 2 packages: no vulnerability service answered" in out
    assert "Failed to resolve 'api.osv.dev'" in out
    assert "audit: 2 packages: 0 audited, 0 known vulnerabilities, 2 not audited" in out


def test_strict_fails_when_the_service_is_unreachable(pip_audit):
    pip_audit(pypi=SKIPPED, osv=None)

    assert audit.main(["--strict"]) == 2


def test_what_pypi_skipped_is_asked_of_osv_by_exact_pin(pip_audit, capsys):
    calls = pip_audit(pypi=SKIPPED, osv=DJANGO_VULNERABLE)

    assert audit.main([]) == 1
    assert "audit: 2 packages: 2 audited, 1 known vulnerabilities, 0 not audited" in capsys.readouterr().out
    osv_call = [line for line in calls.read_text().splitlines() if "-s osv" in line]
    assert len(osv_call) == 1 and "--no-deps --disable-pip" in osv_call[0]


def test_the_mariadb_driver_is_checked_as_pinned_without_building_it(pip_audit):
    calls = pip_audit(pypi=CLEAN)

    audit.main([])

    mysql = [line for line in calls.read_text().splitlines() if "requirements-mysql.txt" in line]
    assert len(mysql) == 1 and "--no-deps --disable-pip" in mysql[0]
