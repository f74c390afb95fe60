"""The article as a reader meets it: accessibility, links, numbering, JS off, print, motion, widths."""
import re
from pathlib import Path

import pytest

from .conftest import CANVASES_FITTED, canvas_ink, screenshot, wait_frames

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def test_axe_finds_no_serious_violations(live_page):
    page = live_page
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document, { resultTypes: ['violations'] })).violations"
                           ".map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }))")
    bad = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not bad, bad


def test_links_anchors_footnotes_and_figure_numbers(site_dir):
    html = (site_dir / "index.html").read_text()
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    for target in re.findall(r'href="#([^"]+)"', html):
        assert target in ids, f"#{target} points nowhere"
    for link in re.findall(r'(?:href|src)="(?!https?:|#|data:)([^"]+)"', html):
        assert (site_dir / link).exists(), f"{link} is not in the site"
    notes = [int(n) for n in re.findall(r'<sup id="fnref:[^"]+"><a class="footnote-ref" href="#fn:[^"]+">(\d+)</a>', html)]
    assert notes == list(range(1, len(notes) + 1)) and notes
    figs = [int(n) for n in re.findall(r'<span class="fig-label">Figure (\d+)</span>', html)]
    assert figs == list(range(1, len(figs) + 1)) and len(figs) >= 8
    cites = re.findall(r'<a href="#ref-([^"]+)">\[', html)
    assert cites and all(f"ref-{c}" in ids for c in cites)


def test_without_javascript_every_heading_caption_and_frame(browser, site_url, site_dir):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site_url)
    html = (site_dir / "index.html").read_text()
    for heading in re.findall(r"<h2[^>]*>(.*?)</h2>", html):
        assert page.get_by_role("heading", name=re.sub("<[^>]+>", "", heading)).is_visible()
    assert page.locator("figcaption").count() == len(re.findall("<figcaption>", html))
    for fid in page.eval_on_selector_all("figure.figure", "els => els.map((e) => e.id)"):
        frame = page.locator(f"#{fid} .frame.static svg")
        assert frame.count() == 1 and frame.is_visible(), fid
    context.close()


def test_print_has_no_controls(live_page):
    page = live_page
    page.emulate_media(media="print")
    assert page.locator("button:visible, input:visible, select:visible, textarea:visible").count() == 0
    assert page.locator("#fig-paths .frame.static").is_visible()


def test_reduced_motion_waits_for_the_reader(browser, site_url):
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    page.goto(site_url)
    page.wait_for_function("document.documentElement.dataset.model === 'ready'")
    for fid in ("fig-generate", "fig-paths"):
        page.locator(f"#{fid}").scroll_into_view_if_needed()
    # both live, fig-paths with its line shown (a start it declined to compute), then a second of frames
    page.wait_for_function("""() => ['fig-generate', 'fig-paths'].every((id) => document.getElementById(id).dataset.live === 'true')
        && Number(document.getElementById('fig-paths').dataset.jobs || 0) >= 1""")
    wait_frames(page, 60)
    assert canvas_ink(page, "#fig-paths canvas.line") > 100
    assert page.evaluate("Number(document.getElementById('fig-generate').dataset.points || 0)") == 0
    assert page.evaluate("Number(document.getElementById('fig-paths').dataset.pointsDone || 0)") == 0
    page.locator("#fig-generate button.play").click()
    page.wait_for_function("Number(document.getElementById('fig-generate').dataset.points || 0) > 10")
    context.close()


def test_keyboard_operates_play_and_variation(live_page):
    page = live_page
    page.locator("#fig-continue button.play").focus()
    page.keyboard.press("Enter")
    assert page.locator("#fig-continue button.play").get_attribute("aria-pressed") == "false"
    page.keyboard.press("Tab")  # Clear
    page.keyboard.press("Tab")  # Write a sample for me
    page.keyboard.press("Tab")  # Length of prediction
    page.keyboard.press("Tab")  # Variation
    before = page.locator("#fig-continue input.variation").input_value()
    page.keyboard.press("ArrowRight")
    assert float(page.locator("#fig-continue input.variation").input_value()) > float(before)


@pytest.mark.parametrize("width", [1280, 768, 390])
def test_widths(live_page, output_path, width):
    page = live_page
    page.set_viewport_size({"width": width, "height": 900})
    page.wait_for_function("[...document.querySelectorAll('figure[data-figure]')].every((f) => f.dataset.live === 'true')")
    page.wait_for_function(CANVASES_FITTED)  # every figure canvas follows the new layout
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    boxes = page.eval_on_selector_all("figure .live:not([hidden]) canvas", "cs => cs.map((c) => c.getBoundingClientRect())"
                                      ".filter((r) => r.width > 0).map((r) => [r.left, r.right])")
    assert len(boxes) >= 8 and all(0 <= left and right <= width for left, right in boxes), boxes
    page.locator("#fig-paths").scroll_into_view_if_needed()
    page.wait_for_function("Number(document.getElementById('fig-paths').dataset.pointsDone || 0) >= 1")
    assert canvas_ink(page, "#fig-paths canvas.line") > 100  # the line, fitted to the new width
    assert canvas_ink(page, "#fig-paths canvas.branches") > 0
    screenshot(page, output_path, f"article-{width}.png")
