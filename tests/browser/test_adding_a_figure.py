"""docs/design.md "Adding a figure", followed: the throwaway figure of tests/fixtures/article (its
folder figures/hello/ and its shortcode) builds with build.py --article into the project's page,
which shows its static frame, with JavaScript off too, and then mounts its script."""
import pytest

import build
from builder.serve import serve_in_thread
from tests.helpers import FIXTURES

from .conftest import canvas_ink, record_errors

POINTS = 60  # the fixture's shortcode: ::: figure hello points=60


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("fixture-site")
    build.main(["--article", str(FIXTURES / "article"), "--out", str(out)])
    server, url = serve_in_thread(out)
    yield out, url
    server.shutdown()


def test_the_throwaway_figure_builds_shows_its_frame_and_mounts(browser, fixture_site):
    out, url = fixture_site
    # the site carries its figure's JS and CSS, not the project's figures
    assert [p.name for p in (out / "figures").iterdir()] == ["hello"]
    assert sorted(p.name for p in (out / "figures" / "hello").iterdir()) == ["hello.css", "hello.js"]

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(url)
    assert page.locator("#fig-hello .frame.static svg path.ink").is_visible()  # frame.py's line
    assert "Figure 1" in page.inner_text("#fig-hello figcaption")
    context.close()

    context = browser.new_context()
    errors = record_errors(context)
    page = context.new_page()
    page.goto(url)
    assert page.locator("#fig-hello .frame.static svg path.ink").is_visible()  # before the model is ready
    page.wait_for_function("() => document.documentElement.dataset.model === 'ready'")
    page.wait_for_function("() => Number(document.getElementById('fig-hello').dataset.draws || 0) > 0")
    assert page.locator("#fig-hello .frame.static").is_hidden() and page.locator("#fig-hello .live").is_visible()
    assert page.evaluate("document.querySelector('#fig-hello canvas.ink').getBoundingClientRect().height") == 80  # hello.css
    assert canvas_ink(page, "#fig-hello canvas.ink") >= POINTS * 36  # hello.js drew a 6 × 6 px dot per point
    context.close()
    assert not errors, errors
