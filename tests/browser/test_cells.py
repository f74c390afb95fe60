"""fig-cells and fig-cells-live in Chromium."""
import math

import numpy as np

from .test_site import fig


def pixels(page, selector):
    return page.evaluate(f"""() => {{
        const c = document.querySelector('{selector}');
        return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data.filter((_, i) => i % 16 === 0)); }}""")


def ready_cells(page):
    page.locator("#fig-cells").scroll_into_view_if_needed()
    page.wait_for_function("document.querySelector('#fig-cells .readout').textContent.startsWith('Cell')")


def test_click_picks_a_cell_and_recolours_the_line(live_page):
    page = live_page
    ready_cells(page)
    before_cell, before = fig(page, "fig-cells", "cell"), pixels(page, "#fig-cells canvas.strokes")
    first_named = page.evaluate("Number(document.querySelector('a.cell-ref').dataset.cell)")
    assert before_cell == first_named  # the figure opens on the cell the prose names first
    box = page.locator("#fig-cells canvas.heat").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.7)
    assert fig(page, "fig-cells", "cell") != before_cell
    assert pixels(page, "#fig-cells canvas.strokes") != before
    cell, step = fig(page, "fig-cells", "cell"), fig(page, "fig-cells", "step")
    page.keyboard.press("ArrowRight")
    assert fig(page, "fig-cells", "step") == step + 1
    page.keyboard.press("ArrowDown")
    assert fig(page, "fig-cells", "cell") != cell
    assert page.inner_text("#fig-cells .readout").startswith(f"Cell {fig(page, 'fig-cells', 'cell')} ")


def test_order_switch_reorders_rows(live_page):
    page = live_page
    ready_cells(page)
    sorted_px = pixels(page, "#fig-cells canvas.heat")
    page.locator("#fig-cells select.order").select_option("unsorted")
    assert page.evaluate("document.getElementById('fig-cells').dataset.order") == "unsorted"
    assert pixels(page, "#fig-cells canvas.heat") != sorted_px


def test_live_cells_follow_writing_and_pen_lifts(live_page):
    page = live_page
    page.locator("#fig-cells-live").scroll_into_view_if_needed()
    box = page.locator("#fig-cells-live canvas.write").bounding_box()
    x0, y0 = box["x"] + 40, box["y"] + box["height"] / 2
    page.mouse.move(x0, y0)
    page.mouse.down()
    for i in range(40):
        page.mouse.move(x0 + 4 * i, y0 - 30 * math.sin(i / 5))
    page.mouse.up()
    page.wait_for_function("""() => { const r = document.getElementById('fig-cells-live');
        return r.writingRows && Number(r.dataset.fed) === r.writingRows.length; }""")
    out = page.evaluate("""async () => {
        const { model, flatten } = await import('./runtime/client.js');
        const root = document.getElementById('fig-cells-live');
        const rows = root.writingRows.map((r) => r.slice());
        const shown = Array.from(root.cellState);
        const fed = async (rs) => Array.from((await model.request('feed', { session: 't', append: flatten(rs), reset: true }).promise).c);
        const withLift = await fed(rows);
        const noLift = rows.map((r) => r.slice()); noLift[noLift.length - 1][2] = 0;
        return { last: rows[rows.length - 1][2], shown, withLift, withoutLift: await fed(noLift) };
    }""")
    assert out["last"] == 1  # the pen lift reached the model
    np.testing.assert_allclose(out["shown"], out["withLift"], atol=1e-6)
    assert np.abs(np.array(out["shown"]) - np.array(out["withoutLift"])).max() > 1e-3
    assert np.abs(np.array(out["shown"])).max() > 0.1
