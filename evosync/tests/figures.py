"""The suites' figures, printed at the end of every run (a plugin: the root conftest.py loads it, so a run of any
part of the suite prints them).

A test calls `record_property("figures", "…")` for a line of its own, or `record_property("statuses", (title,
{status: count}))` for answers counted across many tests (each operation of a fuzz run is a test of its own,
possibly in another worker): those are summed per title into one line.

A hook rather than print(): under pytest-xdist a passing test's output is never shown, but its recorded
properties travel back to the main process with its report.
"""

from collections import Counter, defaultdict

import pytest


@pytest.fixture
def status_tally(record_property):
    """`status_tally(title)`: a Counter of the statuses this test's requests were answered with, recorded when the
    test ends and summed per title over every test into one line of the summary."""
    tallies = {}
    yield lambda title: tallies.setdefault(title, Counter())
    for title, counts in tallies.items():
        record_property("statuses", (title, dict(counts)))


def recorded(terminalreporter, wanted):
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", "call") != "teardown":
                continue  # properties recorded in a fixture's teardown arrive with every later phase's report
            for name, value in getattr(report, "user_properties", ()):
                if name == wanted:
                    yield value


def pytest_terminal_summary(terminalreporter):
    figures = {
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        for name, value in getattr(report, "user_properties", ())
        if name == "figures"
    }
    statuses = defaultdict(Counter)
    for title, counts in recorded(terminalreporter, "statuses"):
        statuses[title].update({int(status): n for status, n in counts.items()})
    for title, counts in statuses.items():
        server_errors = sum(n for status, n in counts.items() if status >= 500)
        figures.add(
            f"{title}: {sum(counts.values())} requests, {server_errors} answered 5xx; "
            f"statuses {dict(sorted(counts.items()))}"
        )
    for line in sorted(figures):
        terminalreporter.write_line(line)
    _browser_tests_skipped(terminalreporter)


def _browser_tests_skipped(terminalreporter):
    """One line when the browser tests (evosync/tests/browser) were skipped for want of Chromium."""
    from evosync.tests.browser.chromium import MISSING

    skipped = [r for r in terminalreporter.stats.get("skipped", ()) if MISSING in str(r.longrepr)]
    if skipped:
        terminalreporter.write_line(f"{MISSING} ({len(skipped)} tests)", yellow=True, bold=True)
