"""What `make chaos` prints per fault (a line for people, a `CHAOS {json}` line for machines) and the table
it can write into docs/chaos.md."""

import json

START, END = "<!-- chaos:results:start -->", "<!-- chaos:results:end -->"


def lines(outcome) -> tuple[str, str]:
    runs = "-" if outcome.runs_to_converge is None else outcome.runs_to_converge
    text = (
        f"{outcome.fault:<16} faults {outcome.faults_injected:>3}  runs {runs}  triggers {outcome.triggers}  "
        f"duplicates {outcome.duplicates}  lost {outcome.lost}  "
        f"tasks queued {outcome.tasks_queued} (≤ {outcome.tasks_bound})  {outcome.seconds:.0f} s  "
        + ("ok" if outcome.ok else "FAILED: " + "; ".join(outcome.problems()))
    )
    return text, "CHAOS " + json.dumps(outcome.as_dict(), ensure_ascii=False, sort_keys=True)


def table(outcomes) -> str:
    rows = [
        "| fault | faults injected | runs to converge | triggers | duplicates | lost | tasks queued | all right |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for o in outcomes:
        runs = "—" if o.runs_to_converge is None else o.runs_to_converge
        check = "yes" if o.ok else "**no**: " + "; ".join(o.problems())
        rows.append(
            f"| {o.fault} | {o.faults_injected} | {runs} | {o.triggers} | {o.duplicates} | {o.lost} | "
            f"{o.tasks_queued} (≤ {o.tasks_bound}) | {check} |"
        )
    return "\n".join(rows)


def results_block(*, outcomes, host: dict, sizes: dict, command: str, skipped: list[str]) -> str:
    parts = [
        f"Run `{command}` on {host['date']}.",
        "",
        f"Machine: {host['cpu']}, {host['cores']} cores, {host['ram']} RAM, {host['os']}; Python {host['python']}; "
        f"{host['database']}; Redis of its own; one Celery worker (prefork, concurrency 2), two in `two_workers`.",
        "",
        "Sizes: " + ", ".join(f"{k}={v}" for k, v in sizes.items()) + ".",
        "",
        table(outcomes),
        "",
    ]
    notes = [f"- `{o.fault}` {note}" for o in outcomes for note in dict.fromkeys(o.notes)]
    if notes or skipped:
        parts += ["Notes:", "", *notes, *(f"- skipped {reason}" for reason in skipped), ""]
    parts += ["```", *(lines(o)[1] for o in outcomes), "```"]
    return "\n".join(parts)
