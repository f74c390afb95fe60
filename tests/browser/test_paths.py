"""fig-paths in Chromium: branches on the default sample, on the reader's writing, and restarts."""
from .conftest import canvas_ink
from .test_site import draw_word, fig


def test_paths_draw_on_the_default_sample(live_page):
    page = live_page
    page.locator("#fig-paths").scroll_into_view_if_needed()
    page.wait_for_function("Number(document.getElementById('fig-paths').dataset.pointsDone) >= 5")
    assert canvas_ink(page, "#fig-paths canvas.branches") > 500


def test_human_paths_open_on_a_published_human_line(live_page):
    """Built without ../shared (as GitHub Pages builds it): the second paths figure opens on a
    UNIPEN line and draws its paths; every figure's sample picker lists the human lines."""
    page = live_page
    root = "#fig-paths-human"
    page.locator(root).scroll_into_view_if_needed()
    chosen = page.locator(f"{root} select.sample option:checked").inner_text()
    assert chosen.startswith("Human line 1 (UNIPEN)"), chosen
    page.wait_for_function("Number(document.getElementById('fig-paths-human').dataset.pointsDone) >= 5")
    assert canvas_ink(page, f"{root} canvas.line") > 300 and canvas_ink(page, f"{root} canvas.branches") > 500
    pickers = page.locator("figure select.sample").all()  # every figure's sample picker
    assert pickers
    for picker in pickers:
        labels = picker.locator("option").all_inner_texts()
        assert sum("(UNIPEN)" in label for label in labels) >= 10, labels


def test_paths_on_your_writing(live_page):
    page = live_page
    root = "#fig-paths-human"
    page.locator(root).scroll_into_view_if_needed()
    page.locator(f"{root} select.sample").select_option("own")
    draw_word(page, f"{root} canvas.write")
    page.locator(f"{root} button.use").click()
    page.wait_for_function("Number(document.getElementById('fig-paths-human').dataset.pointsDone) >= 5")
    assert canvas_ink(page, "#fig-paths-human canvas.branches") > 500


def test_changing_steps_cancels_and_restarts(live_page):
    page = live_page
    page.locator("#fig-paths").scroll_into_view_if_needed()
    page.wait_for_function("Number(document.getElementById('fig-paths').dataset.pointsDone) >= 2")
    jobs = fig(page, "fig-paths", "jobs")
    page.locator("#fig-paths select.steps").select_option("8")
    assert fig(page, "fig-paths", "jobs") == jobs + 1
    assert fig(page, "fig-paths", "pointsDone") < 2  # the picture restarted from the first point
    page.wait_for_function("Number(document.getElementById('fig-paths').dataset.pointsDone) >= 2")
    # the canceled job's replies were dropped: progress keeps counting from the new job only
    page.locator("#fig-paths select.steps").select_option("1")
    page.wait_for_function("Number(document.getElementById('fig-paths').dataset.pointsDone) >= 20")


SPLIT = """async () => {
  const { model } = await import('./runtime/client.js');
  model.startHelpers();
  await Promise.allSettled(model.helpers.map((h) => h.ready));
  const T = 23, strokes = new Float32Array(T * 3);
  for (let i = 0; i < T; i++) { strokes[3 * i] = 0.6 + 0.3 * Math.cos(i / 2); strokes[3 * i + 1] = 0.5 * Math.sin(i / 2); strokes[3 * i + 2] = i % 8 === 7 ? 1 : 0; }
  const payload = { strokes, n_paths: 6, steps: 3, temperature: 0.5, seed: 11, start: 2 };
  const collect = async (spread, killHelper = false) => {
    const got = {};
    const onProgress = (m) => {
      const per = m.branches.length / m.count;
      for (let k = 0; k < m.count; k++) got[m.first + k * (m.stride || 1)] = Array.from(m.branches.slice(k * per, (k + 1) * per));
      if (killHelper && m.first % 2 === 1) { killHelper = false; model.helpers[0].retire('killed by the test'); }
    };
    const job = spread ? model.spread('paths', payload, { onProgress }) : model.request('paths', payload, { onProgress });
    await job.promise;
    return [got, job.workers || 1];
  };
  const [one] = await collect(false);
  const [split, workers] = await collect(true);
  const [rescued] = await collect(true, true); // the helper dies after its first reply
  return { one, split, workers, rescued, helper: model.helpers[0].status };
}"""


def test_a_line_split_over_helper_workers_draws_the_same_branches(guarded, page, site_url):
    page.add_init_script("Object.defineProperty(navigator, 'hardwareConcurrency', { get: () => 2 })")  # one helper
    page.goto(site_url)
    page.wait_for_function("document.documentElement.dataset.model === 'ready'")
    r = page.evaluate(SPLIT)
    assert r["workers"] == 2
    assert sorted(map(int, r["one"])) == list(range(2, 23)) == sorted(map(int, r["split"]))
    assert r["one"] == r["split"]  # per-point seeds: the picture does not depend on the split
    assert r["helper"] == "failed" and r["rescued"] == r["one"]  # a dead helper's points are finished by the model worker


# The page's Pyodide workers by role (runtime/client.js boots, which CLIENT puts in the window so
# that a wait's predicate reads it at once): how many were booted, got ready, are live.
CLIENT = "async () => { window.client = await import('./runtime/client.js'); }"
WORKERS = """((role) => { const mine = window.client.boots.filter((b) => b.role === role);
  return { booted: mine.length, ready: mine.filter((b) => b.ready !== undefined).length, live: window.client.liveWorkers(role) }; })"""


def test_idle_helpers_are_stopped_and_booted_again_when_paths_run(guarded, page, site_url):
    """With an idle limit (WebKit's by default; ?helper-idle=MS sets it here) the paths helpers
    stop once no paths request has run that long, and the next paths boot one again."""
    page.add_init_script("Object.defineProperty(navigator, 'hardwareConcurrency', { get: () => 2 })")  # one helper
    page.goto(site_url + "?helper-idle=500")
    page.wait_for_function("document.documentElement.dataset.model === 'ready'")
    page.evaluate(CLIENT)
    workers = lambda: page.evaluate(f"{WORKERS}('helper')")  # noqa: E731
    assert workers() == {"booted": 0, "ready": 0, "live": 0}  # booted by the first paths only
    page.locator("#fig-paths").scroll_into_view_if_needed()
    page.wait_for_function(f"{WORKERS}('helper').ready === 1")
    page.wait_for_function("Number(document.getElementById('fig-paths').dataset.pointsDone) >= 2")
    page.evaluate("() => window.scrollTo(0, 0)")  # paths out of view: they stop, the helper idles
    page.wait_for_function(f"{WORKERS}('helper').live === 0")
    assert workers() == {"booted": 1, "ready": 1, "live": 0}
    done = int(page.evaluate("() => document.getElementById('fig-paths').dataset.pointsDone"))
    page.locator("#fig-paths").scroll_into_view_if_needed()
    page.wait_for_function(f"(({{ ready, live }}) => ready === 2 && live === 1)({WORKERS}('helper'))")
    page.wait_for_function(f"Number(document.getElementById('fig-paths').dataset.pointsDone) > {done}")
    page.wait_for_function("document.getElementById('fig-paths').dataset.workers === '2'")  # the new helper takes its share
