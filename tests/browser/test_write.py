"""fig-write in Chromium, on a site built with a synthesis record that passes every bar (the default
record does not yet, so the default site leaves the figure out): typing a text writes it with its
window, every hand writes, the SVG download, bad texts, the page's policy, axe, the static frame
without JavaScript, links, the console's synth and write, when the synthesis weights load, and a
reload with the server gone.

These tests read what any synthesis weights do (the window's centres only ever move on, so its
peak moves forward), not how well the committed ones write: weights/synthesis.md says that."""
import json
import statistics
import xml.etree.ElementTree as ET
from urllib.parse import urlparse

import pytest

import build
from builder.serve import serve_in_thread
from tests.helpers import synthesis_folder

from .conftest import canvas_ink, first_look, record_errors, wait_frames
from .test_csp import VIOLATIONS, policy_messages, use
from .test_light_start import SAVE_DATA, axe_violations
from .test_offline import reloaded_offline
from .test_site import draw_word

FIG = "#fig-write"
READY = "() => document.documentElement.dataset.model === 'ready'"
WRITES = "([key, n]) => Number(document.getElementById('fig-write').dataset[key] || 0) > n"


@pytest.fixture(scope="module")
def write_site(tmp_path_factory):
    """The article built with the committed synthesis weights and a record that passes, served."""
    weights = synthesis_folder(tmp_path_factory.mktemp("synthesis"))
    out = tmp_path_factory.mktemp("write-site")
    build.main(["--out", str(out), "--synthesis", str(weights)])
    server, url = serve_in_thread(out)
    yield out, url
    server.shutdown()


@pytest.fixture
def site(browser, write_site):
    """A context on the write site: requests elsewhere fail, errors are recorded; → (context, url, requests)."""
    out, url = write_site
    context = browser.new_context()
    errors, requests = record_errors(context), []
    origin = urlparse(url).netloc

    def route(r):
        requests.append(r.request.url)
        (r.continue_ if urlparse(r.request.url).netloc == origin else r.abort)()
    context.route("**/*", route)
    yield context, url, requests
    context.close()
    assert not [u for u in requests if urlparse(u).netloc != origin], requests
    assert not errors, errors


@pytest.fixture
def page(site):
    context, url, _ = site
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(READY)
    first_look(page, "fig-write")
    return page


def count(page, key) -> int:
    return page.evaluate(f"Number(document.getElementById('fig-write').dataset.{key} || 0)")


def write(page, text=None) -> None:
    """Type ``text`` (None: keep the field's), press Enter and wait until the request has finished."""
    before = count(page, "writes")
    if text is not None:
        page.fill(f"{FIG} input.text", text)
    page.press(f"{FIG} input.text", "Enter")
    page.wait_for_function(WRITES, arg=["writes", before])


def labels(page) -> list[str]:
    return page.locator(f"{FIG} .live .row-labels span").all_inner_texts()


# Where the first ink pixel of a canvas is (scanning from the left), in page coordinates, or null.
FIRST_INK = """(selector) => { const c = document.querySelector(selector), r = c.getBoundingClientRect();
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let x = 0; x < c.width; x++) for (let y = 0; y < c.height; y++)
        if (d[4 * (y * c.width + x) + 3] > 0) return { x: r.left + x / devicePixelRatio, y: r.top + y / devicePixelRatio };
    return null; }"""


def test_typing_a_text_writes_it_and_shows_where_it_reads(page):
    page.fill(f"{FIG} input.text", "Hello there")
    page.press(f"{FIG} input.text", "Enter")
    page.wait_for_function(WRITES, arg=["points", 10])
    assert page.locator(f"{FIG} .frame.static").is_hidden() and page.locator(f"{FIG} .sheet").is_visible()
    assert labels(page) == [*"Hello", "␣", *"there", "end"]  # one row per character, one past the end
    ink = canvas_ink(page, f"{FIG} canvas.ink")
    page.wait_for_function(WRITES, arg=["points", 60])
    assert canvas_ink(page, f"{FIG} canvas.ink") > ink > 0 and canvas_ink(page, f"{FIG} canvas.heat") > 0  # the ink grows
    page.wait_for_function(WRITES, arg=["writes", 0])
    assert page.inner_text(f"{FIG} .status") == ""
    peaks = [int(u) for u in page.get_attribute(FIG, "data-peaks").split(",")]
    tenth = max(1, len(peaks) // 10)
    assert statistics.median(peaks[:tenth]) < statistics.median(peaks[-tenth:])  # the window's peak moves on

    # the ink lights up its character, a row lights up its ink; the keyboard does the same
    page.wait_for_function(WRITES, arg=["points", len(peaks) - 1])  # all drawn
    at = page.evaluate(FIRST_INK, f"{FIG} canvas.ink")
    page.mouse.move(at["x"], at["y"])
    assert page.inner_text(f"{FIG} .readout").startswith("“H”, character 1 of 11: ")
    assert page.locator(f"{FIG} .row-labels span.on").inner_text() == "H"
    page.mouse.move(0, 0)  # off the ink: nothing lit
    assert page.inner_text(f"{FIG} .readout") == "" and page.locator(f"{FIG} .row-labels span.on").count() == 0
    page.focus(f"{FIG} canvas.heat")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.inner_text(f"{FIG} .readout").startswith("“e”, character 2 of 11: ")
    assert page.locator(f"{FIG} .row-labels span.on").inner_text() == "e"

    # Write again: another sample of the same text
    seed = page.get_attribute(FIG, "data-seed")
    page.click(f"{FIG} button.again")
    page.wait_for_function(f"document.getElementById('fig-write').dataset.seed !== '{seed}'")
    page.wait_for_function(WRITES, arg=["points", 5])
    # Stop: the pen stops. A text of several lines, so the writing is still going when Stop is
    # pressed however soon a model ends a line (drawn at a person's pace, it takes a minute or more)
    page.wait_for_function(WRITES, arg=["writes", 1])
    page.fill(f"{FIG} input.text", " ".join(["a quiet line of words"] * 10))
    page.press(f"{FIG} input.text", "Enter")
    page.wait_for_function(WRITES, arg=["points", 5])
    page.click(f"{FIG} button.stop")
    stopped = count(page, "points")
    wait_frames(page, 30)
    assert count(page, "points") == stopped and page.locator(f"{FIG} button.stop").is_disabled()


def test_a_unipen_hand_and_my_handwriting_both_write(page):
    hand = page.locator(f"{FIG} select.hand")
    options = hand.locator("option").all_inner_texts()
    assert options[0] == "the model’s own" and options[-1] == "my handwriting"
    assert sum("(UNIPEN)" in o for o in options) == 12  # every human line with its text
    hand.select_option("2")
    write(page, "a cat")
    assert page.inner_text(f"{FIG} .status") == "" and labels(page) == ["a", "␣", "c", "a", "t", "end"]

    hand.select_option("mine")
    assert page.locator(f"{FIG} .own").is_visible()
    errors = count(page, "errors")
    write_fails(page, "a cat")  # nothing drawn yet
    assert "write a few words in the box first" in page.inner_text(f"{FIG} .status")
    draw_word(page, f"{FIG} canvas.pad")
    write_fails(page, "a cat")  # what it says is not typed yet
    assert "Type what the handwriting says" in page.inner_text(f"{FIG} .status")
    page.fill(f"{FIG} input.own-text", "hello")
    write(page, "a cat")
    assert page.inner_text(f"{FIG} .status") == "" and count(page, "errors") == errors + 2
    assert page.evaluate("location.hash").startswith("#fig-write:text=a%20cat,hand=mine,")


def write_fails(page, text) -> None:
    errors = count(page, "errors")
    page.fill(f"{FIG} input.text", text)
    page.press(f"{FIG} input.text", "Enter")
    page.wait_for_function(WRITES, arg=["errors", errors])


BAD = [  # (text, what the note beside the field says before writing, what the status says after Write)
    ("", "0 of 250 characters.", "The text is empty"),
    ("a" * 10_000, "10,000 characters: the model writes at most 250 at a time.", "The text has 10,000 characters"),
    ("😀😀", "The model never saw ‘😀’", "The text holds only characters the model never saw"),
    ("ΩЖ", "The model never saw ‘Ω’, ‘Ж’; it writes a stand-in for each.", "holds only characters the model never saw"),
]


def test_bad_texts_get_a_sentence_and_the_page_keeps_working(page):
    for text, note, status in BAD:
        page.fill(f"{FIG} input.text", text)
        assert note in page.inner_text(f"{FIG} .text-note"), text[:20]
        write_fails(page, text)
        said = page.inner_text(f"{FIG} .status")
        assert status in said and said.endswith(".") and "\n" not in said and "Traceback" not in said, said
    page.fill(f"{FIG} input.text", "naïve")
    assert "The model never saw ‘ï’; it writes a stand-in for it." in page.inner_text(f"{FIG} .text-note")
    write(page)  # a text with one unknown character writes
    assert page.inner_text(f"{FIG} .status") == ""
    assert page.locator(f"{FIG} .row-labels span.unknown").all_inner_texts() == ["ï"]


def test_save_as_svg_gives_an_svg_of_paths(page, tmp_path):
    write(page, "ink")
    page.wait_for_function(WRITES, arg=["points", 20])
    with page.expect_download() as download:
        page.click(f"{FIG} button.save")
    path = tmp_path / "saved.svg"
    download.value.save_as(path)
    assert download.value.suggested_filename == "handwriting.svg"
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and float(root.get("width")) > 0
    paths = root.findall(".//{http://www.w3.org/2000/svg}path")
    assert len(paths) == 1 and paths[0].get("d").startswith("M") and paths[0].get("d").count("L") >= 10


def test_no_policy_violation_in_normal_use(browser, write_site):
    _, url = write_site
    context = browser.new_context(bypass_csp=False)
    context.add_init_script(VIOLATIONS)
    reports, errors = policy_messages(context), record_errors(context)
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(READY)
    use(page, "fig-write")  # its first look and a click on each canvas it shows
    page.locator(f"{FIG} input.text").fill("a hat")
    page.locator(f"{FIG} input.text").press("Enter")
    page.wait_for_function("() => Number(document.getElementById('fig-write').dataset.writes || 0) > 0")
    with page.expect_download():
        page.locator(f"{FIG} button.save").click()
    page.locator(f"{FIG} select.hand").select_option("mine")
    draw_word(page, f"{FIG} canvas.pad")
    page.locator(f"{FIG} input.own-text").fill("hello")
    page.locator(f"{FIG} input.text").press("Enter")
    page.wait_for_function("() => Number(document.getElementById('fig-write').dataset.writes || 0) > 1")
    assert page.evaluate("window.__violations") == [] and reports == []
    context.close()
    assert not errors, errors


def test_axe_finds_nothing_serious(page):
    assert not axe_violations(page)  # the static frame and the controls
    write(page, "a hat")
    page.locator(f"{FIG} select.hand").select_option("mine")  # the sheet, the pad and its text field shown too
    assert not axe_violations(page)


def test_the_static_frame_reads_without_javascript(browser, write_site):
    _, url = write_site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(url)
    frame = page.locator(f"{FIG} .frame.static svg")
    assert frame.is_visible() and "Writing a given text" in page.inner_text("main")
    text = json.loads(page.get_attribute(FIG, "data-config"))["text"]
    shown = frame.locator(".labels text").evaluate_all("(els) => els.map((e) => e.textContent)")
    assert shown == [("␣" if c == " " else c) for c in text] + ["end"]
    assert frame.locator("path").get_attribute("d").count("L") > 200 and frame.locator("image").count() == 1
    context.close()


def test_a_link_sets_the_figure_and_a_hostile_one_is_ignored(site):
    context, url, _ = site
    page = context.new_page()
    config = None
    for fragment, want in [
        ("fig-write:text=%ZZ,hand=..%2F..%2Fx,neatness=NaN,seed=-1", None),
        ("fig-write:text=" + "x" * 300 + ",neatness=9,hand=mine%00", None),
        ("fig-write:text=Hello%2C%20world%20%3D%20yes,neatness=1.5,hand=2,seed=9",
         {"text": "Hello, world = yes", "neatness": "1.5", "hand": "2"}),
    ]:
        page.goto("about:blank")  # a new load each time, not a change of the fragment only
        page.goto(f"{url}#{fragment}")
        page.wait_for_function(READY)
        page.wait_for_function("document.getElementById('fig-write').dataset.live === 'true'")
        config = config or json.loads(page.get_attribute(FIG, "data-config"))
        want = want or {"text": config["text"], "neatness": str(config["neatness"]), "hand": "own"}
        shown = {"text": page.input_value(f"{FIG} input.text"), "neatness": page.input_value(f"{FIG} input.neatness"),
                 "hand": page.input_value(f"{FIG} select.hand")}
        assert shown == want, fragment[:40]
    write(page)
    assert page.get_attribute(FIG, "data-seed") == "9"  # the link's seed draws
    assert page.evaluate("location.hash") == "#fig-write:text=Hello%2C%20world%20%3D%20yes,hand=2,neatness=1.5,seed=9"


def test_the_console_has_synth_and_write(page):
    page.locator("#fig-console").scroll_into_view_if_needed()
    page.locator("#fig-console button.example", has_text="Write a word").click()
    page.wait_for_function("() => Number(document.getElementById('fig-console').dataset.runs || 0) > 0")
    out = page.inner_text("#fig-console .output")
    assert "Traceback" not in out and out.strip().startswith("'H"), out
    assert page.locator("#fig-console .pictures canvas").count() == 2  # the line and its window


def test_the_synthesis_weights_wait_for_the_figure(site):
    context, url, requests = site
    weights = lambda: [u for u in requests if u.endswith("/py/synthesis.bin")]  # noqa: E731
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(READY)
    wait_frames(page, 30)
    assert weights() == []  # the page's first model is ready; fig-write is far below
    page.locator(FIG).scroll_into_view_if_needed()
    page.wait_for_function("() => performance.getEntriesByType('resource').some((e) => e.name.endsWith('/py/synthesis.bin'))")
    assert len(weights()) == 1

    context.add_init_script(SAVE_DATA)  # a connection that saves data: nothing heavy until the reader asks
    requests.clear()
    page = context.new_page()
    page.goto(url)
    page.locator(f"{FIG} button", has_text="Run the live figures").wait_for()
    page.locator(FIG).scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")
    assert weights() == []


def test_an_offline_reload_still_writes(browser, write_site):
    """After one visit the service worker keeps the synthesis weights with the rest of the build;
    with the server stopped (tests/browser/test_offline.py: "offline" is the server gone) a reload
    loads them from that cache and fig-write writes, nothing from the network."""
    out, _ = write_site
    with reloaded_offline(browser, out) as (page, kept, responses):
        assert "py/synthesis.bin" in kept
        first_look(page, "fig-write")
        write(page, "a hat")
        page.wait_for_function(WRITES, arg=["points", 10])
        assert page.inner_text(f"{FIG} .status") == "" and labels(page) == ["a", "␣", "h", "a", "t", "end"]
        assert canvas_ink(page, f"{FIG} canvas.ink") > 0
        assert any(r.url.endswith("/py/synthesis.bin") for r in responses)  # loaded again, from the cache
