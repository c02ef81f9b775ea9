"""Every URL pattern EvoSync serves, found by walking the URLconf through its includes, and its path built
from values chosen per keyword (the way reverse() builds one, without needing the pattern's name)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils.regex_helper import normalize


class CannotFill(Exception):
    """A pattern has a keyword the isolation test does not know how to fill."""


@dataclass(frozen=True)
class Route:
    chain: tuple  # the patterns from the root URLconf down to the view's own
    pattern: URLPattern

    @property
    def text(self) -> str:
        """The pattern as written: `catalog/stores/<int:store_id>/groups`."""
        return "".join(str(part) for part in self.chain)

    @property
    def callback(self) -> Callable:
        return self.pattern.callback

    @property
    def name(self) -> str | None:
        return self.pattern.name

    @property
    def keywords(self) -> list[str]:
        return [name for part in self.chain for name in _format(part)[1]]

    @property
    def is_admin(self) -> bool:
        return self.text.startswith("admin/")

    @property
    def is_machine_endpoint(self) -> bool:
        """Called by a machine with a secret, not by a browser with a session: csrf-exempt."""
        return getattr(self.callback, "csrf_exempt", False)

    @property
    def admin_model(self) -> type[models.Model] | None:
        """The model of an admin page under `admin/<app_label>/<model_name>/`."""
        parts = self.text.split("/")
        if not self.is_admin or len(parts) < 4:
            return None
        try:
            return apps.get_model(parts[1], parts[2])
        except (LookupError, ValueError):
            return None

    def path(self, values: dict[str, object]) -> str:
        """The URL path with `values` in place of the keywords; CannotFill when one is missing or does not fit."""
        missing = [name for name in self.keywords if name not in values]
        if missing:
            raise CannotFill(f"{self.text}: no value for {', '.join(missing)}")
        pieces = []
        for part in self.chain:
            template, names = _format(part)
            converters = getattr(part, "converters", {})
            texts = {
                name: converters[name].to_url(values[name]) if name in converters else str(values[name])
                for name in names
            }
            pieces.append(template % texts)
        path = "/" + "".join(pieces)
        try:
            match = resolve(path)
        except Resolver404:
            raise CannotFill(f"{self.text}: {path} does not resolve (a value does not fit its converter)") from None
        if match.func is not self.callback and self.keywords:
            raise CannotFill(f"{self.text}: {path} resolves to another view, {match.view_name}")
        return path


def _format(part) -> tuple[str, list[str]]:
    """`('catalog/stores/%(store_id)s/groups', ['store_id'])` for one piece of a pattern."""
    template, names = normalize(part.regex.pattern)[0]
    return template, names


def routes(resolver: URLResolver | None = None, chain: tuple = ()) -> Iterator[Route]:
    """Every URL pattern, depth first, in the URLconf's order."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from routes(entry, (*chain, entry.pattern))
        else:
            yield Route(chain=(*chain, entry.pattern), pattern=entry)
