"""On first load, built without ../shared (as GitHub Pages builds it), every figure shows something
drawn, except the two that wait for the reader's pen, which show their prompt instead."""
from .conftest import canvas_ink

DRAWN = {  # figure → (canvas, the state to wait for)
    "fig-generate": ("canvas.ink", "Number(el.dataset.points) >= 60"),
    "fig-paths": ("canvas.branches", "Number(el.dataset.pointsDone) >= 5"),
    "fig-paths-human": ("canvas.branches", "Number(el.dataset.pointsDone) >= 5"),
    "fig-cells": ("canvas.heat", "el.dataset.step !== undefined"),
}
WAITING_FOR_THE_PEN = ("fig-continue", "fig-cells-live")


def test_every_figure_draws_or_prompts_on_first_load(live_page):
    page = live_page
    for fid, (canvas, state) in DRAWN.items():
        page.locator(f"#{fid}").scroll_into_view_if_needed()
        page.wait_for_function(f"(() => {{ const el = document.getElementById('{fid}'); return {state}; }})()")
        assert canvas_ink(page, f"#{fid} {canvas}") > 500, fid
    for fid in WAITING_FOR_THE_PEN:
        page.locator(f"#{fid}").scroll_into_view_if_needed()
        hint = page.locator(f"#{fid} .pad-hint").first
        assert hint.is_visible() and hint.inner_text() == "Write here", fid
        assert canvas_ink(page, f"#{fid} canvas.write, #{fid} canvas.ink") == 0, fid
    assert page.locator("#fig-curve svg polyline.curve").count() == 1
