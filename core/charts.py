"""Charts drawn on the server as SVG: no script, no library; each chart is an image with a title and a description
a screen reader reads, and each bar may be a link.

`bars` draws labelled horizontal bars (counts by kind); `columns` draws one stacked column per day, with an
optional line (a budget) over them. Both return safe HTML for a template.
"""

from dataclasses import dataclass, field
from itertools import count as counter

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

_ids = counter(1)

INK = "#1f2933"
LINE_ABOVE = 20  # a line more than this many times above the tallest column is written instead of drawn
GRID = "#d9dee3"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    href: str = ""
    color: str = "#1565c0"


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float]
    color: str


@dataclass(frozen=True)
class Line:
    name: str
    values: list[float]
    color: str = "#c62828"


@dataclass(frozen=True)
class Columns:
    days: list[str]  # the labels under the columns, oldest first
    series: list[Series]
    line: Line | None = None
    hrefs: list[str] = field(default_factory=list)  # one per day: the list behind that column


def _f(value: float) -> str:
    """A coordinate, as SVG reads it (format_html turns its arguments into text first)."""
    return f"{value:.1f}"


def _number(value: float) -> str:
    value = round(value, 1)
    text = f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
    return text.replace(",", "\u202f").replace(".", ",")


def _frame(title: str, description: str, width: int, height: int, body: SafeString) -> SafeString:
    ident = f"chart{next(_ids)}"
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {w} {h}" width="100%" '
        'aria-labelledby="{i}-title {i}-desc" font-family="sans-serif" font-size="12">'
        '<title id="{i}-title">{title}</title><desc id="{i}-desc">{desc}</desc>{body}</svg>',
        w=width,
        h=height,
        i=ident,
        title=title,
        desc=description,
        body=body,
    )


def _linked(href: str, content: SafeString, title: str) -> SafeString:
    if not href:
        return content
    return format_html('<a href="{}"><title>{}</title>{}</a>', href, title, content)


def bars(
    title: str, rows: list[Bar], *, unit: str = "", width: int = 460, empty: str = "Нет данных за этот срок."
) -> SafeString:
    """Horizontal bars, one per row, longest = the largest value; the value is written at the bar's end."""
    label_width, row_height, right = int(width * 0.45), 26, 70
    height = max(1, len(rows)) * row_height + 8
    largest = max((row.value for row in rows), default=0) or 1
    scale = (width - label_width - right) / largest
    parts = []
    for index, row in enumerate(rows):
        y = 4 + index * row_height
        length = max(1.0 if row.value else 0.0, row.value * scale)
        shape = format_html(
            '<text x="{lx}" y="{ty}" text-anchor="end" fill="{ink}">{label}</text>'
            '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{color}" rx="2"/>'
            '<text x="{vx}" y="{ty}" fill="{ink}">{value}</text>',
            lx=label_width - 8,
            ty=y + 16,
            ink=INK,
            label=_shorten(row.label, int(label_width / 6.6)),
            x=label_width,
            y=y + 3,
            w=_f(length),
            h=row_height - 8,
            color=row.color,
            vx=_f(label_width + length + 6),
            value=f"{_number(row.value)}{unit}",
        )
        parts.append(_linked(row.href, shape, f"{row.label}: {_number(row.value)}{unit}"))
    if not rows:
        parts.append(format_html('<text x="8" y="20" fill="{}">{}</text>', INK, empty))
    description = "; ".join(f"{row.label}: {_number(row.value)}{unit}" for row in rows) or "нет данных"
    return _frame(title, description, width, height, mark_safe("".join(parts)))  # noqa: S308 - escaped above


def columns(title: str, chart: Columns, *, width: int = 900, height: int = 260) -> SafeString:
    """One stacked column per day (the series bottom up), a legend, the line drawn over them when given."""
    left, bottom, top, legend = 56, 36, 12, 22
    plot_height = height - bottom - top - legend
    days = len(chart.days) or 1
    step = (width - left - 8) / days
    totals = [sum(series.values[i] for series in chart.series) for i in range(len(chart.days))]
    line_top = max(chart.line.values, default=0) if chart.line else 0
    # A line far above the columns (a budget hardly touched) would flatten them: it is written, not drawn.
    line_drawn = chart.line is not None and line_top <= LINE_ABOVE * max(max(totals, default=0), 1)
    largest = max([*totals, line_top if line_drawn else 0], default=0) or 1
    scale = plot_height / largest
    base = top + legend + plot_height
    parts = [_axis(left, base, width, largest, scale)]
    for i, day in enumerate(chart.days):
        x = left + i * step + step * 0.15
        y = base
        stack = []
        for series in chart.series:
            h = series.values[i] * scale
            if h:
                y -= h
                stack.append(
                    format_html(
                        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>',
                        _f(x),
                        _f(y),
                        _f(step * 0.7),
                        _f(h),
                        series.color,
                    )
                )
        said = ", ".join(f"{series.name}: {_number(series.values[i])}" for series in chart.series)
        href = chart.hrefs[i] if i < len(chart.hrefs) else ""
        parts.append(_linked(href, mark_safe("".join(stack)), f"{day} — {said}"))  # noqa: S308 - escaped above
        if days <= 31 or i % max(1, days // 15) == 0:
            parts.append(
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" fill="{}" font-size="10">{}</text>',
                    _f(x + step * 0.35),
                    _f(base + 14),
                    INK,
                    day,
                )
            )
    if line_drawn:
        points = " ".join(
            f"{left + i * step + step * 0.5:.1f},{base - value * scale:.1f}"
            for i, value in enumerate(chart.line.values)
        )
        parts.append(
            format_html(
                '<polyline points="{}" fill="none" stroke="{}" stroke-width="2" stroke-dasharray="6 3"/>',
                points,
                chart.line.color,
            )
        )
    parts.append(_legend(chart, left, top, line_drawn))
    description = _describe(chart, totals)
    return _frame(title, description, width, height, mark_safe("".join(parts)))  # noqa: S308 - escaped above


def _axis(left: int, base: float, width: int, largest: float, scale: float) -> SafeString:
    marks = []
    for fraction in (0, 0.5, 1):
        value = largest * fraction
        y = base - value * scale
        marks.append(
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}"/>'
                '<text x="{}" y="{}" text-anchor="end" fill="{}" font-size="10">{}</text>',
                left,
                width - 8,
                _f(y),
                _f(y),
                GRID,
                left - 6,
                _f(y + 4),
                INK,
                _number(value),
            )
        )
    return mark_safe("".join(marks))  # noqa: S308 - escaped above


def _legend(chart: Columns, left: int, top: int, line_drawn: bool) -> SafeString:
    entries = [(series.name, series.color, False) for series in chart.series]
    if chart.line and line_drawn:
        entries.append((chart.line.name, chart.line.color, True))
    elif chart.line:
        top_value = _number(max(chart.line.values, default=0))
        entries.append((f"{chart.line.name}: до {top_value} в день — много выше столбиков", chart.line.color, True))
    x = left
    parts = []
    for name, color, dashed in entries:
        mark = (
            format_html(
                '<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2" stroke-dasharray="6 3"/>',
                x,
                x + 14,
                top + 6,
                top + 6,
                color,
            )
            if dashed
            else format_html('<rect x="{}" y="{}" width="12" height="12" fill="{}"/>', x, top, color)
        )
        parts.append(format_html('{}<text x="{}" y="{}" fill="{}">{}</text>', mark, x + 18, top + 11, INK, name))
        x += 30 + len(name) * 7
    return mark_safe("".join(parts))  # noqa: S308 - escaped above


def _describe(chart: Columns, totals: list[float]) -> str:
    if not chart.days:
        return "нет данных"
    sums = ", ".join(f"{series.name}: {_number(sum(series.values))}" for series in chart.series)
    busiest = max(range(len(totals)), key=totals.__getitem__)
    text = f"С {chart.days[0]} по {chart.days[-1]}. Всего — {sums}. Больше всего {chart.days[busiest]}: "
    text += _number(totals[busiest]) + "."
    if chart.line:
        text += f" {chart.line.name}: до {_number(max(chart.line.values, default=0))} в день."
    return text


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["Bar", "Columns", "Line", "Series", "bars", "columns"]
