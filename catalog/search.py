"""The products page's search: name, code and barcodes folded once per product (Product.search_text)."""


def fold_for_search(text: str) -> str:
    """How search_text and a search query are compared: any case (Cyrillic too), ё and е alike."""
    return text.lower().replace("ё", "е")


def search_text_of(*, name: str, code: str, barcodes: list) -> str:
    return fold_for_search(" ".join([name or "", code or "", *map(str, barcodes or ())]))
