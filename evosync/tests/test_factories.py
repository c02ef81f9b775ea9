"""Every model of our apps has exactly one factory-boy factory, in its app's `tests/factories.py`, making valid rows."""

import ast
import importlib
from pathlib import Path

import factory
import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR).resolve()


def our_apps() -> list:
    """The apps whose code is this repository's (the project's folders, not installed packages)."""
    return [config for config in apps.get_app_configs() if Path(config.path).resolve().parent == ROOT]


def factories_of(config) -> list[type]:
    """The model factories defined in the app's `tests/factories.py` (none if it has no such module)."""
    try:
        module = importlib.import_module(f"{config.name}.tests.factories")
    except ModuleNotFoundError as missing:
        if missing.name not in (f"{config.name}.tests", f"{config.name}.tests.factories"):
            raise
        return []
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, factory.django.DjangoModelFactory)
        and value.__module__ == module.__name__
        and value._meta.model is not None
    ]


def all_factories() -> list[type]:
    return [made for config in our_apps() for made in factories_of(config)]


def test_the_check_sees_every_app_of_ours():
    assert {"accounts", "connections", "catalog", "vkshop", "vksync", "webhooks"} <= {c.label for c in our_apps()}


def test_every_model_of_our_apps_has_exactly_one_factory_in_its_own_app():
    by_model = {model: [] for config in our_apps() for model in config.get_models()}
    for made in all_factories():
        model = made._meta.get_model_class()
        assert model in by_model, f"{made.__name__} makes {model.__name__}, which is not a model of our apps"
        by_model[model].append(made)
    problems = {
        model._meta.label: [made.__name__ for made in made_by]
        for model, made_by in by_model.items()
        if len(made_by) != 1
    }
    assert problems == {}, "each model needs exactly one factory (model: its factories)"
    for model, (made,) in by_model.items():
        assert made.__module__ == f"{model._meta.app_config.name}.tests.factories", made


def test_factories_are_defined_only_in_the_factories_modules():
    """A factory class anywhere else in a test tree would be a second, unseen one."""
    elsewhere = []
    for config in our_apps():
        for path in sorted(Path(config.path).glob("tests/**/*.py")):
            if path.name == "factories.py" and path.parent.name == "tests":
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                bases = [ast.unparse(base) for base in getattr(node, "bases", [])]
                if isinstance(node, ast.ClassDef) and any(base.endswith("Factory") for base in bases):
                    elsewhere.append(f"{path.relative_to(ROOT)}: {node.name}")
    assert elsewhere == []


@pytest.mark.django_db
@pytest.mark.parametrize("made", all_factories(), ids=lambda made: made.__name__)
def test_each_factory_makes_a_valid_row(made):
    row = made()
    row.full_clean()
    assert type(row).objects.filter(pk=row.pk).exists()
