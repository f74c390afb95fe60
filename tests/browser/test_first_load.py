"""On first load, built without ../shared (as GitHub Pages builds it), every figure the article
places (found from the figure folders: tests/helpers.py) shows something: a static figure its
picture; a live figure that waits for the reader's pen its "Write here" over an empty pad; any other
live figure a drawing on every canvas it shows (conftest.first_look)."""
from tests.helpers import placed_figures

from .conftest import first_look


def test_every_figure_draws_or_prompts_on_first_load(live_page):
    page = live_page
    for fig in placed_figures():
        if not fig.live:
            picture = page.locator(f"#{fig.id} .frame.static svg")
            assert picture.is_visible() and picture.locator("path, polyline, image").count() > 0, fig.id
            continue
        shown = first_look(page, fig.id)
        if shown["hints"]:  # it waits for the pen
            assert set(shown["hints"]) == {"Write here"} and shown["pads"] and not any(shown["pads"]), (fig.id, shown)
        else:
            assert all(n > 500 for n in shown["drawn"]), (fig.id, shown)
