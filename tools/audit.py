"""`make audit`: pip-audit over the pinned requirements, and a verdict that tells "vulnerable" from "not asked".

pip-audit answers "No known vulnerabilities found" and exits 0 when its service could not say anything:
PyPI's per-version JSON answering 404 turns every package into a skipped one. So this script reads
pip-audit's JSON, asks OSV about what PyPI skipped, and ends with one of:

- exit 1: a pinned package (or one it pulls in) has a known vulnerability; each is named with its fix;
- exit 0 and "NOT AUDITED": the vulnerability service could not be reached for some packages — said loudly,
  but no failure for that alone (`--strict`: exit 2 instead, for machines that should reach it);
- exit 0: every package audited, none vulnerable.

`requirements-dev.txt` (which includes `requirements.txt`) is resolved by pip the way `make` installs it;
`requirements-mysql.txt` is pinned and dependency-free, so it is checked as written (no compiler needed).
Run from the repository root: `python tools/audit.py [--strict]`. PIP_AUDIT_OSV_URL points OSV at a mirror.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# (requirements file, pip-audit options): what `make` installs, resolved; the MariaDB driver as pinned.
AUDITS = [
    ("requirements-dev.txt", []),
    ("requirements-mysql.txt", ["--no-deps", "--disable-pip"]),
]
VERSION_IN_REASON = re.compile(r"\(([^()\s]+)\)\s*$")


@dataclass
class Verdict:
    audited: dict[str, str] = field(default_factory=dict)  # name -> version
    vulnerable: list[str] = field(default_factory=list)  # "django 5.2.19: PYSEC-… (fixed in 5.2.20)"
    unaudited: dict[str, str] = field(default_factory=dict)  # name -> why not
    versions: dict[str, str] = field(default_factory=dict)  # name -> version, as far as known
    problems: list[str] = field(default_factory=list)  # a pip-audit run that gave no report

    def exit_code(self, *, strict: bool) -> int:
        if self.vulnerable:
            return 1
        return 2 if strict and (self.unaudited or self.problems) else 0

    def lines(self) -> list[str]:
        out = [f"audit: VULNERABLE {line}" for line in self.vulnerable]
        if self.unaudited or self.problems:
            why = sorted({_reason_kind(reason) for reason in self.unaudited.values()}) + self.problems
            out.append(
                f"audit: NOT AUDITED {len(self.unaudited)} packages: no vulnerability service answered for them, "
                f"so nothing is known about them (not a failure) — {'; '.join(why)}"
            )
            if self.unaudited:
                out.append(f"audit: not audited: {', '.join(sorted(self.unaudited))}")
        total = len(self.audited) + len(self.unaudited)
        out.append(
            f"audit: {total} packages: {len(self.audited)} audited, {len(self.vulnerable)} known vulnerabilities, "
            f"{len(self.unaudited)} not audited"
        )
        return out


def _reason_kind(reason: str) -> str:
    """A skip reason without the package named in it: `Dependency not found on PyPI and could not be audited`."""
    return reason.split(":")[0].strip()


def read_report(report: dict, verdict: Verdict) -> None:
    """Fold one pip-audit JSON report into the verdict."""
    for dep in report.get("dependencies", []):
        name = dep["name"]
        if dep.get("skip_reason"):
            verdict.unaudited[name] = dep["skip_reason"]
            found = VERSION_IN_REASON.search(dep["skip_reason"])
            if found:
                verdict.versions[name] = found.group(1)
            continue
        verdict.unaudited.pop(name, None)
        verdict.audited[name] = verdict.versions[name] = dep.get("version", "")
        for vuln in dep.get("vulns", []):
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
            line = f"{name} {dep.get('version', '')}: {vuln.get('id')} (fixed in {fixed})"
            if line not in verdict.vulnerable:  # both files pull in requirements.txt's packages
                verdict.vulnerable.append(line)


def run_pip_audit(pip_audit: str, args: list[str], verdict: Verdict, label: str) -> None:
    """One pip-audit run; its JSON report folded in, or, without a report, the reason recorded."""
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "report.json"
        command = [pip_audit, *args, "--format", "json", "--output", str(output), "--progress-spinner", "off"]
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - our own argv
        if output.exists() and output.stat().st_size:
            read_report(json.loads(output.read_text()), verdict)
            return
    tail = [line for line in (done.stderr or done.stdout).strip().splitlines() if line.strip()][-1:]
    verdict.problems.append(f"{label}: exit {done.returncode}: {tail[0] if tail else 'no output'}")


def audit(root: Path, pip_audit: str) -> Verdict:
    verdict = Verdict()
    for requirements, options in AUDITS:
        run_pip_audit(pip_audit, ["-r", str(root / requirements), *options], verdict, requirements)
    # What PyPI's service skipped, asked of OSV by exact pin (no resolution again).
    pinned = {name: verdict.versions[name] for name in verdict.unaudited if name in verdict.versions}
    if pinned:
        with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as pins:
            pins.write("".join(f"{name}=={version}\n" for name, version in sorted(pinned.items())))
        osv = ["-s", "osv", "--no-deps", "--disable-pip", "-r", pins.name]
        if os.environ.get("PIP_AUDIT_OSV_URL"):
            osv += ["--osv-url", os.environ["PIP_AUDIT_OSV_URL"]]
        try:
            run_pip_audit(pip_audit, osv, verdict, "OSV")
        finally:
            os.unlink(pins.name)
    return verdict


def main(argv: list[str]) -> int:
    pip_audit = os.environ.get("PIP_AUDIT") or str(Path(sys.executable).with_name("pip-audit"))
    verdict = audit(Path.cwd(), pip_audit)
    for line in verdict.lines():
        print(line)
    return verdict.exit_code(strict="--strict" in argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
