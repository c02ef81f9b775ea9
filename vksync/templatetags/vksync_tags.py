"""What a sync page prints about a run, in the merchant's words."""

from django import template

from core.formats import plural

register = template.Library()


@register.filter
def vk_requests(requests: dict | None) -> str:
    """«72 запроса · 412 действий»: HTTP requests to VK, and the API actions they carried (execute batches up
    to 25 actions in one request, so the two numbers differ); '—' before the run spoke to VK."""
    total = (requests or {}).get("total") or 0
    if not total:
        return "—"
    actions = sum(n for method, n in (requests.get("by_method") or {}).items() if method != "execute")
    text = f"{total} {plural(total, 'запрос', 'запроса', 'запросов')}"
    if actions > total:
        text += f" · {actions} {plural(actions, 'действие', 'действия', 'действий')}"
    return text


RUN_COUNTS = (
    ("created", "создано"),
    ("updated", "изменено"),
    ("hidden", "скрыто"),
    ("deleted", "удалено"),
    ("adopted", "связано"),
    ("cards", "карточек с вариантами собрано"),
    ("failed", "ошибок"),
)


@register.filter
def run_counts(run) -> str:
    """«создано: 246 · скрыто: 3»: what a run did, non-zero counts only; «без изменений» for a finished run that
    changed nothing, '—' otherwise."""
    parts = [f"{word}: {getattr(run, field)}" for field, word in RUN_COUNTS if getattr(run, field)]
    if parts:
        return " · ".join(parts)
    return "без изменений" if run.status == run.Status.DONE else "—"
