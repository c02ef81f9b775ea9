"""What test 5 checks on a page: it fits the window (no horizontal page scroll, nothing cut off at the edge) and
axe-core finds no serious or critical accessibility violation. Each returns the problems in words."""

from axe_playwright_python.sync_playwright import Axe

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
BLOCKING_IMPACTS = ("serious", "critical")

# Elements reaching past the window's right edge (or cut by its left edge), unless a box around them scrolls or
# clips sideways (a table scrolling in its box is fine). Elements wholly left of the window are deliberately
# hidden (a skip link) and not counted. Only the outermost offender of a branch is named.
OFF_SCREEN_JS = """
() => {
  const width = window.innerWidth, found = [];
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const boxed = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect(), style = getComputedStyle(el);
    if (r.width < 2 || r.height < 2 || style.visibility === 'hidden' || r.right <= 0) continue;
    if (r.right <= width + 1 && r.left >= -1) continue;
    if (boxed(el) || found.some((outer) => outer.contains(el))) continue;
    found.push(el);
  }
  const page = document.documentElement.scrollWidth > width
    ? ['the page is ' + document.documentElement.scrollWidth + ' px wide in a ' + width + ' px window'] : [];
  return page.concat(found.slice(0, 8).map((el) => {
    const r = el.getBoundingClientRect();
    return name(el) + ' spans ' + Math.round(r.left) + '..' + Math.round(r.right) + ' px';
  }));
}
"""

_axe = Axe()


def off_screen(page) -> list[str]:
    return page.evaluate(OFF_SCREEN_JS)


def accessibility_violations(page) -> list[str]:
    response = _axe.run(page).response
    return [
        f"axe {v['id']} ({v['impact']}): {len(v['nodes'])} element(s), e.g. {v['nodes'][0]['target']}"
        for v in response["violations"]
        if v["impact"] in BLOCKING_IMPACTS
    ]
