"""The isolation test's instrument: a request as one user, its effects checked, then undone.

After each request: every database row that is not the actors' own is as it was (the tables the request
wrote are compared with the first snapshot), B's community in the VK emulator is untouched, and nothing the
actor got back names B: body, redirect, flash messages, mails to anyone but B, the tasks queued. The request
runs in a transaction rolled back afterwards, the work it queued on commit run (eagerly) inside it.
"""

import copy
import inspect
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from unittest import mock

from celery.app.task import Task
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection, models, transaction
from django.db.models import Q
from django.test import Client, TestCase

from accounts.support import sees_all_merchants
from evosync.tests.isolation_urls import Route
from evosync.tests.isolation_world import World

REFUSED = {403, 404, 405}
# Rows that change by design when A acts: A's sessions; login attempts, which count per typed email (A may
# type B's email on the login page: that B's failures are counted is what login throttling is).
# The audit trail, like axes' logs, records what A attempted, also against B (a failed login naming B's email
# belongs on B's trail); what A may read of it is checked by B's markers in every answer.
VOLATILE = {"sessions.session", "audit.auditevent"}
VOLATILE_PREFIX = "axes."
# Rows owned by a VK community rather than a user: the photos uploaded to it, shared by whoever syncs there.
COMMUNITY_OWNED = {"vksync.vkphoto": "group_id"}
# Rows owned by the object they give a right on, not by the person given it: a right on B's shop is B's, even
# when it names A (guardian's object permissions: a team's roles, support assignments).
OBJECT_OWNED = {"guardian.userobjectpermission": "object_pk"}


def form_fields(response) -> dict:
    """The fields of the page's form as the page shows them (what a browser would send back)."""
    try:
        form = response.context["form"] if response.context else None
    except KeyError:
        form = None
    if not isinstance(form, forms.BaseForm):
        return {}
    data = {}
    for bound in form:
        value = bound.value()
        if isinstance(bound.field, forms.ChoiceField) and not isinstance(value, list | tuple):
            if not bound.field.valid_value(value):  # a stale value the page offers no more: the first offered
                value = next((v for v, _ in _flat_choices(bound.field.choices) if v not in ("", None)), value)
        if isinstance(bound.field, forms.FileField) or value is None:
            continue
        if isinstance(bound.field, forms.BooleanField):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        else:
            data[bound.html_name] = str(value)
    return data


CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
BUTTON = re.compile(r"<button\b[^>]*>", re.IGNORECASE)
ATTRIBUTE = re.compile(r"\b(name|value)=\"([^\"]*)\"")


def buttons(response) -> list[tuple[str, str]]:
    """The page's named submit buttons as (name, value): a view may act on which one was pressed."""
    if response.streaming or "html" not in response.get("Content-Type", ""):
        return []
    found = set()
    for tag in BUTTON.findall(response.content.decode(errors="replace")):
        attributes = dict(ATTRIBUTE.findall(tag))
        if attributes.get("name"):
            found.add((attributes["name"], attributes.get("value", "")))
    return sorted(found)


def _flat_choices(choices):
    """A choice field's (value, label) pairs, groups flattened."""
    for value, label in choices:
        if isinstance(label, list | tuple):
            yield from _flat_choices(label)
        else:
            yield value, label


def owner_lookups(model: type[models.Model]) -> list[str]:
    """Lookups from `model` to the user who owns a row: `merchant`, `user`, `item__merchant`, …"""
    user_model = get_user_model()
    if model is user_model:
        return ["pk"]
    direct, deeper = [], []
    for f in model._meta.concrete_fields:
        if not f.is_relation or f.related_model is None:
            continue
        if f.related_model is user_model:
            direct.append(f.name)
        else:
            deeper += [
                f"{f.name}__{g.name}"
                for g in f.related_model._meta.concrete_fields
                if g.is_relation and g.related_model is user_model
            ]
    return direct + deeper


def snapshot(actors: list, communities: list[int], labels: set[str] | None = None) -> dict:
    """Every row that is not the actors' own (A's, the staff member's, their VK communities'), as values: of
    every model, or of the models in `labels`."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        if label in VOLATILE or label.startswith(VOLATILE_PREFIX) or (labels is not None and label not in labels):
            continue
        theirs = Q()
        if label in OBJECT_OWNED:
            theirs |= Q(**{f"{OBJECT_OWNED[label]}__in": [str(actor.pk) for actor in actors]})
        else:
            for lookup in owner_lookups(model):
                theirs |= Q(**{f"{lookup}__in": [actor.pk for actor in actors]})
        if label in COMMUNITY_OWNED:
            theirs |= Q(**{f"{COMMUNITY_OWNED[label]}__in": communities})
        rows = model._base_manager.exclude(theirs) if theirs else model._base_manager.all()
        state[label] = {row["pk"]: row for row in rows.values("pk", *[f.attname for f in model._meta.concrete_fields])}
    return state


WRITE = re.compile(
    r"\s*(?:INSERT\s+(?:IGNORE\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+[`\"]?(\w+)", re.IGNORECASE
)
READ = re.compile(r"\s*(?:SELECT|SAVEPOINT|RELEASE|ROLLBACK|PRAGMA|SET|SHOW|BEGIN|COMMIT)\b", re.IGNORECASE)


@contextmanager
def written_tables():
    """The models whose tables were written meanwhile (None: a statement that might write anything)."""
    labels_by_table = {m._meta.db_table: m._meta.label_lower for m in apps.get_models(include_auto_created=True)}
    written: set[str] | None = set()

    def watch(execute, sql, params, many, context):
        nonlocal written
        write = WRITE.match(sql)
        if write and written is not None:
            written.add(labels_by_table.get(write.group(1), write.group(1)))
        elif not write and not READ.match(sql):
            written = None
        return execute(sql, params, many, context)

    found = SimpleNamespace(labels=set())
    with connection.execute_wrapper(watch):
        yield found
    found.labels = written


def differences(before: dict, after: dict) -> list[str]:
    """Rows created, deleted or changed (naming the fields), table by table."""
    found = []
    for label, rows in before.items():
        for pk in rows.keys() | after[label].keys():
            was, now = rows.get(pk), after[label].get(pk)
            if was != now:
                if was is None:
                    found.append(f"{label} #{pk} created")
                elif now is None:
                    found.append(f"{label} #{pk} deleted")
                else:
                    changed = sorted(name for name in was if was[name] != now[name])
                    found.append(f"{label} #{pk} changed: {', '.join(changed)}")
    return found


@contextmanager
def recorded_tasks():
    """Every task queued meanwhile, recorded (and then run, eagerly, as the test settings say)."""
    calls = []
    queue = Task.apply_async

    def record(task, args=None, kwargs=None, **options):
        calls.append((task, tuple(args or ()), dict(kwargs or {})))
        return queue(task, args, kwargs, **options)

    with mock.patch.object(Task, "apply_async", record):
        yield calls


class Undo(Exception):
    """Raised at the end of each probe: rolls back everything the request wrote."""


@dataclass
class Probes:
    """Requests as one user, each checked and undone; what went wrong is collected, not raised."""

    a: World
    b: World
    vk_emulator: object
    staff: object
    support: object = None  # staff of role `support` looking after A only: sees nothing of B's, in the admin too
    requests: int = 0
    leaks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    b_seen_by_staff: int = 0
    staff_blind: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.actors = [self.a.merchant, self.a.colleague, self.staff] + ([self.support] if self.support else [])
        self.before = snapshot(self.actors, [self.a.community_id])
        # In a community both administer, A's sync writing to VK is A's right; B's rows stay B's all the same.
        self.b_community_is_bs_alone = self.a.community_id != self.b.community_id
        self.b_vk_before = copy.deepcopy(self.vk_emulator.communities[self.b.community_id])

    def send(self, user, method: str, url: str, data: dict | None, route: Route, expect: str):
        """One request as `user`, checked; `expect` adds a rule on the answer: `refused` (403, 404, 405 or to a
        login page), `admin-login` (to the admin's login page), `staff-sees-b` (200 showing B's data), or none
        (`any`, `works`, `staff`). Returns the status, the redirect and the page's form fields."""
        self.requests += 1
        where = f"{method} {url} ({route.text})"
        outcome = {}
        try:
            with transaction.atomic():
                client = Client(raise_request_exception=False)  # a new session each time: the last one was undone
                client.force_login(user)
                mail.outbox.clear()
                with written_tables() as writes, recorded_tasks() as tasks:
                    with TestCase.captureOnCommitCallbacks(execute=True):
                        response = getattr(client, method.lower())(url, data or {})
                sees_all = user.is_staff and sees_all_merchants(user)  # support staff see A's merchants only
                outcome = self._check(response, tasks, writes.labels, data, where, expect, staff=sees_all)
                raise Undo
        except Undo:
            pass
        except Exception as error:  # noqa: BLE001 - a crash of the request or of the work it queued: report it
            self.errors.append(f"{where}: {type(error).__name__}: {error}")
        return outcome

    def _check(self, response, tasks, written, data, where, expect, *, staff) -> dict:
        status, location = response.status_code, response.get("Location", "")
        if status >= 500:
            self.errors.append(f"{where}: answered {status}")
        to_login = status == 302 and location.startswith((settings.LOGIN_URL, "/admin/login/"))
        if expect == "refused" and not (status in REFUSED or to_login):
            self.leaks.append(f"{where}: served B's id with {status} {location}".rstrip())
        if expect == "admin-login" and not (status == 302 and location.startswith("/admin/login/")):
            self.leaks.append(f"{where}: the admin answered a non-staff merchant with {status} {location}".rstrip())
        changed = self.changes(written)
        if changed:
            self.leaks.append(f"{where}: rows not A's changed: {'; '.join(changed[:5])}")
        if self.b_community_is_bs_alone and self.vk_emulator.communities[self.b.community_id] != self.b_vk_before:
            self.leaks.append(f"{where}: B's VK community changed")
            self.vk_emulator.communities[self.b.community_id] = copy.deepcopy(self.b_vk_before)  # blame one request
        seen = self._b_markers_in(response, tasks, data)
        if staff:
            self.b_seen_by_staff += bool(seen)
            if set(seen) & set(self.b.secrets):  # staff see merchants' data, never their tokens
                self.leaks.append(f"{where}: staff got B's {', '.join(set(seen) & set(self.b.secrets))}")
            if expect == "staff-sees-b" and not (status == 200 and seen):
                self.staff_blind.append(f"{where}: {status}")
        elif seen:
            self.leaks.append(f"{where}: A got B's {', '.join(seen)}")
        self.answers.append(f"{'staff' if staff else 'A':5} {expect:12} {where} -> {status} {location}".rstrip())
        return {"status": status, "location": location, "form": form_fields(response), "buttons": buttons(response)}

    def pages(self, user, urls: list[str]) -> dict[str, tuple[int, str]]:
        """Each page as `user` sees it (status, body with the CSRF token blanked), each request undone."""
        seen = {}
        for url in urls:
            self.requests += 1
            with transaction.atomic():
                client = Client(raise_request_exception=False)
                client.force_login(user)
                response = client.get(url)
                body = "" if response.streaming else CSRF_TOKEN.sub("csrf", response.content.decode(errors="replace"))
                seen[url] = (response.status_code, body)
                transaction.set_rollback(True)
        return seen

    def pages_depending_on_b(self, urls: list[str]) -> list[str]:
        """A's pages that change when B and everything B owns are gone: a count, a total, anything of B's."""
        with_b = self.pages(self.a.merchant, urls)
        with transaction.atomic():
            for row in self.b.rows.values():
                type(row)._base_manager.filter(pk=row.pk).delete()
            without_b = self.pages(self.a.merchant, urls)
            transaction.set_rollback(True)
        return [
            f"GET {url}: A's page changes when B's data is gone"
            for url in urls
            if _times_blanked(with_b[url]) != _times_blanked(without_b[url])
        ]

    def write_log(self) -> None:
        """With ISOLATION_LOG=<file>, every request and its answer, for a human to read."""
        if os.environ.get("ISOLATION_LOG"):
            with open(os.environ["ISOLATION_LOG"], "w") as log:
                log.write("\n".join(self.answers) + "\n")

    def changes(self, labels: set[str] | None = None) -> list[str]:
        """What changed in the rows that are not the actors' own: in the tables written (None: in every table)."""
        now = snapshot(self.actors, [self.a.community_id], labels)
        return differences({label: self.before[label] for label in now}, now)

    def _b_markers_in(self, response, tasks, data) -> list[str]:
        body = b"".join(response.streaming_content) if response.streaming else response.content
        texts = [body.decode(errors="replace"), response.get("Location", "")]
        texts += [str(message) for message in get_messages(response.wsgi_request)]
        texts += [f"{m.subject}\n{m.body}" for m in mail.outbox if self.b.merchant.email not in m.to]
        seen = []
        for task, args, kwargs in tasks:
            arguments = inspect.signature(task.run).bind_partial(*args, **kwargs).arguments
            if any(arguments.get(name) == self.b.merchant.pk for name in ("merchant_id", "user_id", "merchant")):
                seen.append(f"merchant id in task {task.name}")
            texts.append(repr(arguments))
        sent = repr(data or {})
        text = "\n".join(texts)
        return seen + [marker for marker in self.b.markers if marker in text and marker not in sent]


# A time shown on a page («30.11.2026 07:03»): each render logs A in, which the audit trail records, so the
# newest login on «История действий» moves when the two renders straddle a minute (a slow run did, on MariaDB).
SHOWN_TIME = re.compile(r"\b\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}(?::\d{2})?\b")


def _times_blanked(page: tuple[int, str]) -> tuple[int, str]:
    status, body = page
    return status, SHOWN_TIME.sub("<time>", body)
