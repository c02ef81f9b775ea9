"""The Evotor emulator's `fail_page`: one page in the middle of a list fails, the pages around it answer."""

import requests

V2 = {"Accept": "application/vnd.evotor.v2+json", "Authorization": "Bearer tok-1"}


def read_pages(emu, path: str) -> list[int | list]:
    """Walk the list page by page; each page's status, or its ids when it answered; stops at a failure."""
    seen, cursor = [], None
    while True:
        params = {"cursor": cursor} if cursor else {}
        response = requests.get(emu.base_url + path, headers=V2, params=params, timeout=10)
        if response.status_code != 200:
            return [*seen, response.status_code]
        body = response.json()
        seen.append([item["id"] for item in body["items"]])
        cursor = body["paging"].get("next_cursor")
        if not cursor:
            return seen


def test_page_seven_of_ten_fails_as_often_as_asked_then_answers(evotor_emulator):
    evotor_emulator.page_size = 10
    ids = evotor_emulator.add_merchant(stores=1, groups=2, products=100)
    path = f"/stores/{ids['stores'][0]}/products"
    fault = evotor_emulator.fail_page(7, status=503, times=2)

    for _ in range(2):
        pages = read_pages(evotor_emulator, path)
        assert [len(page) for page in pages[:-1]] == [10] * 6 and pages[-1] == 503
    pages = read_pages(evotor_emulator, path)
    assert len(pages) == 10 and sorted(sum(pages, [])) == sorted(ids["products"][ids["stores"][0]])
    assert fault.hits == 2


def test_page_fault_lasts_until_cleared_and_spares_other_lists(evotor_emulator):
    evotor_emulator.page_size = 1
    ids = evotor_emulator.add_merchant(stores=1, groups=3, products=3)
    store = ids["stores"][0]
    evotor_emulator.fail_page(2)  # products only (the default path)
    for _ in range(3):
        assert read_pages(evotor_emulator, f"/stores/{store}/products")[-1] == 503
    assert len(read_pages(evotor_emulator, f"/stores/{store}/product-groups")) == 3
    evotor_emulator.clear_faults()
    assert len(read_pages(evotor_emulator, f"/stores/{store}/products")) == 3
