"""Tables as downloads that stream: CSV (UTF-8 with a BOM, so Excel reads Cyrillic right) and XLSX.

Rows come from `keyset_chunks`, which reads a queryset in pages by primary key: MariaDB's driver would hold a
whole result set in memory even under `.iterator()`, so no export ever asks the database for all rows at once.
The XLSX is written row by row by openpyxl's write-only workbook into a temporary file on disk, then streamed.
Text that a spreadsheet would run as a formula stays text: openpyxl would store "=…" as a formula, and Excel
runs "=", "+", "-" or "@" at the start of a CSV cell, so there such text gets a leading apostrophe (OWASP's advice).
"""

import csv
import io
import itertools
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from urllib.parse import quote

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

CHUNK_ROWS = 1000
BOM = "\ufeff"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Sheet:
    """One table: its title (the XLSX sheet's name), column names and rows (an iterable read once)."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence]


def keyset_chunks(queryset: QuerySet, size: int = CHUNK_ROWS) -> Iterator:
    """Every object of the queryset in primary-key order, read `size` at a time (one query per chunk)."""
    last = None
    while True:
        page = queryset.order_by("pk")
        if last is not None:
            page = page.filter(pk__gt=last)
        chunk = list(page[:size])
        yield from chunk
        if len(chunk) < size:
            return
        last = chunk[-1].pk if hasattr(chunk[-1], "pk") else chunk[-1]["pk"]


def cell(value):
    """A value as a spreadsheet cell: local time without zone (Excel has none), booleans in words, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, datetime):
        return timezone.localtime(value).replace(tzinfo=None, microsecond=0) if timezone.is_aware(value) else value
    return value


def _csv_text(value) -> str:
    value = cell(value)
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M:%S")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return str(value)


def csv_lines(sheets: Sequence[Sheet]) -> Iterator[str]:
    """The sheets one after another, an empty line between them; the first line starts with the BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")  # Excel in a Russian locale splits columns on ";"
    yield BOM
    for number, sheet in enumerate(sheets):
        rows = [sheet.header] if number == 0 else [[], [sheet.title], sheet.header]
        for row in itertools.chain(rows, sheet.rows):
            writer.writerow([_csv_text(value) for value in row])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()


def _disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def csv_response(filename: str, sheets: Sequence[Sheet]) -> StreamingHttpResponse:
    response = StreamingHttpResponse((line.encode("utf-8") for line in csv_lines(sheets)), content_type=CSV_TYPE)
    response["Content-Disposition"] = _disposition(filename)
    return response


def write_xlsx(sheets: Sequence[Sheet], target) -> None:
    """The sheets into an XLSX file object, row by row (openpyxl's write-only mode keeps no rows in memory)."""
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(title=sheet.title[:31])
        worksheet.append(list(sheet.header))
        for row in sheet.rows:
            worksheet.append([_xlsx_cell(worksheet, value) for value in row])
    workbook.save(target)


def _xlsx_cell(worksheet, value):
    value = cell(value)
    if isinstance(value, str) and value.startswith("="):  # text, not a formula
        text = WriteOnlyCell(worksheet, value=value)
        text.data_type = "s"
        return text
    return value


def xlsx_response(filename: str, sheets: Sequence[Sheet]) -> FileResponse:
    file = tempfile.TemporaryFile()  # gone when the response closes it
    write_xlsx(sheets, file)
    file.seek(0)
    response = FileResponse(file, content_type=XLSX_TYPE)
    response["Content-Disposition"] = _disposition(filename)
    return response


EXPORTERS: dict[str, Callable[[str, Sequence[Sheet]], object]] = {"csv": csv_response, "xlsx": xlsx_response}


def export_response(kind: str, name: str, sheets: Sequence[Sheet]):
    """A download of the sheets as `name.csv` or `name.xlsx`; `kind` is "csv" or "xlsx"."""
    return EXPORTERS[kind](f"{name}.{kind}", sheets)
