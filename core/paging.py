"""A page whose total comes with its rows, for lists where counting them costs a full scan anyway."""

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window

from core.numbers import ascii_int

MAX_PAGE = 1_000_000  # past it the OFFSET overflows the database's integer; Paginator answers with the last page


def page_counted_with_rows(rows: QuerySet, number, per_page: int) -> Page:
    """`Paginator(rows, per_page).get_page(number)` in one query: each row of the page carries
    COUNT(*) OVER (), so a search reads its table once, not once to count and again for the page.

    Only for `values()` querysets whose WHERE reads every candidate row anyway (a `LIKE '%…%'` search);
    a list an index can count stays with Paginator. A page with no rows (past the end, no match, a number
    below 1 or not a number) is left to Paginator: it counts and picks the page as usual."""
    paginator = Paginator(rows, per_page)
    wanted = number if isinstance(number, int) else ascii_int(number) if number else 1
    if wanted is not None and 1 <= wanted <= MAX_PAGE:
        start = (wanted - 1) * per_page
        found = list(rows.annotate(found_total=Window(Count("pk")))[start : start + per_page])
        if found:
            paginator.count = found[0]["found_total"]  # a cached_property: set here, never asked of the database
            return Page(found, wanted, paginator)
    return paginator.get_page(number)
