"""The suites' figures, printed at the end of every run: a test calls `record_property("figures", "…")`.

A hook rather than print(): under pytest-xdist a passing test's output is never shown, but its recorded
properties travel back to the main process with its report.
"""


def pytest_terminal_summary(terminalreporter):
    figures = {
        value
        for reports in terminalreporter.stats.values()
        for report in reports
        for name, value in getattr(report, "user_properties", ())
        if name == "figures"
    }
    for line in sorted(figures):
        terminalreporter.write_line(line)
    _browser_tests_skipped(terminalreporter)


def _browser_tests_skipped(terminalreporter):
    """One line when the browser tests (evosync/tests/browser) were skipped for want of Chromium."""
    from evosync.tests.browser.chromium import MISSING

    skipped = [r for r in terminalreporter.stats.get("skipped", ()) if MISSING in str(r.longrepr)]
    if skipped:
        terminalreporter.write_line(f"{MISSING} ({len(skipped)} tests)", yellow=True, bold=True)
