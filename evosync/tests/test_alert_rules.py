"""deploy/prometheus-alerts.yml is a well-formed Prometheus rules file whose alerts watch series /metrics serves."""

import re
from pathlib import Path

import pytest
import yaml

from evosync.tests.test_metrics import TOKEN

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus-alerts.yml"
DURATION = re.compile(r"^\d+[smhdw]$")


@pytest.fixture(scope="module")
def rules():
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    assert set(document) == {"groups"}
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_every_rule_has_what_prometheus_and_the_on_call_person_need(rules):
    for rule in rules:
        assert set(rule) == {"alert", "expr", "for", "labels", "annotations"}, rule.get("alert")
        assert re.fullmatch(r"EvoSync[A-Za-z]+", rule["alert"])
        assert DURATION.match(rule["for"]), rule["alert"]
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        assert rule["expr"].count("(") == rule["expr"].count(")"), rule["alert"]


def test_the_alerts_the_operators_asked_for_are_there(rules):
    names = {rule["alert"] for rule in rules}
    assert {
        "EvoSyncConnectionsBrokenRising",
        "EvoSyncSyncRunsFailing",
        "EvoSyncQueueBackedUp",
        "EvoSyncWorkerAbsent",
    } <= names


@pytest.mark.django_db
def test_every_series_a_rule_reads_is_served_by_metrics(rules, client, settings):
    settings.METRICS_TOKEN = "scrape-token"
    served = set(re.findall(r"^# TYPE (\w+) (\w+)", client.get("/metrics", **TOKEN).content.decode(), re.M))
    names = set()
    for name, kind in served:
        names.add(name)
        suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"]}.get(kind, [])
        names.update(name + suffix for suffix in suffixes)
    for rule in rules:
        for series in re.findall(r"\b(evosync_\w+)", rule["expr"]):
            assert series in names, f"{rule['alert']} reads {series}, which /metrics does not serve"
