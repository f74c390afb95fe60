"""Links (runtime/share.js, docs/design.md "Links"): whatever a URL fragment holds, the page reaches
model-ready and each figure opens on its defaults, taking only the settings that are valid under
its schema; free text round-trips through writeShared and readShared."""
import json

import pytest

READY = "document.documentElement.dataset.model === 'ready'"
ALL_LIVE = "[...document.querySelectorAll('figure[data-figure]')].every((f) => f.dataset.live === 'true')"
# the settings each case reads back: what the figure's controls show, and fig-paths' seed
CHECKED = {"fig-paths": ("steps", "variation", "seed"), "fig-generate": ("variation",), "fig-continue": ("length", "variation")}
LIVE_OFF = "localStorage.setItem('handwriting.live', 'off')"  # the page loads no model: for tests of share.js alone

# (fragment, the settings a figure must take from it: {figure id: {name: value}}); every other
# setting of the checked figures keeps its default
HOSTILE = [
    ("fig-paths:steps=%ZZ", {}),
    ("fig-paths:steps=8,variation=%E0%A4%A", {"fig-paths": {"steps": 8}}),  # an escape cut short
    ("fig-paths:variation=%C3%28,seed=9", {"fig-paths": {"seed": 9}}),  # not UTF-8
    ("fig-paths:steps=8%", {}),
    ("%%%:%%%=%", {}),
    ("fig-nope:steps=8,variation=0.3", {}),  # no such figure
    ("fig-paths-human:steps=8", {}),  # another figure's link (its id starts with fig-paths)
    ("fig-paths:steps=8,sample=" + "x" * 100_000, {}),  # 100 KB: the whole link is ignored
    ("fig-paths:seed=NaN,steps=Infinity,variation=-Infinity", {}),
    ("fig-paths:seed=-3,steps=-4,variation=-0.5", {}),
    ("fig-paths:seed=1e400,steps=3,variation=0.65", {"fig-paths": {"variation": 0.65}}),  # too big, not a choice
    ("fig-paths:seed=0x10,steps= 8,variation=0.3e0", {}),
    ("fig-paths:sample=Hello, world = yes,steps=8", {"fig-paths": {"steps": 8}}),  # text with , and = unescaped
    ("fig-paths:__proto__=x,constructor=y,human=1,toString=z,steps=2", {"fig-paths": {"steps": 2}}),
    ("fig-paths:steps,=,,seed=,variation==0.3", {}),
    ("fig-paths:", {}),
    ("fig-generate:variation=NaN", {}),
    ("fig-generate:variation=1.2", {"fig-generate": {"variation": 1.2}}),
    ("fig-continue:length=1e400,variation=0.7", {"fig-continue": {"variation": 0.7}}),
    ("fig-continue:length=4.5,variation=0.05", {}),
]


def settings_shown(page) -> dict:
    """The checked settings, as each figure's controls (or, for the seed, its data-seed) show them."""
    return page.evaluate("""(checked) => Object.fromEntries(Object.entries(checked).map(([id, names]) => {
        const root = document.getElementById(id);
        return [id, Object.fromEntries(names.map((k) => [k, root.querySelector(`select.${k}, input.${k}`)?.value ?? root.dataset[k]]))];
    }))""", CHECKED)


def defaults(page) -> dict:
    """The checked settings' defaults, as text: the figure's schema's, then the build's (data-config)."""
    return page.evaluate("""async (checked) => Object.fromEntries(await Promise.all(Object.entries(checked).map(async ([id, names]) => {
        const root = document.getElementById(id), kind = root.dataset.figure;
        const { shared } = await import(`./figures/${kind}/${kind}.js`);
        const config = JSON.parse(root.dataset.config);
        return [id, Object.fromEntries(names.map((k) => [k, String(config[k] ?? shared[k].default)]))];
    })))""", CHECKED)


@pytest.mark.parametrize("fragment,taken", HOSTILE, ids=[f[:40] for f, _ in HOSTILE])
def test_a_hostile_fragment_leaves_the_page_working(guarded, page, site_url, fragment, taken):
    page.goto(f"{site_url}#{fragment}")
    page.wait_for_function(READY)
    page.wait_for_function(ALL_LIVE)
    shown, want = settings_shown(page), defaults(page)
    for fid, values in taken.items():
        want[fid].update({k: json.dumps(v) for k, v in values.items()})
    assert shown == want
    assert page.locator("#fig-paths select.sample").input_value() == "0"  # no link here names a line the picker has


def test_settings_travel_in_the_url_fragment(guarded, page, site_url):
    page.goto(site_url + "#fig-paths:sample=1,steps=8,variation=0.65,seed=7")
    page.wait_for_function(READY)
    root = "#fig-paths"
    page.wait_for_function("document.getElementById('fig-paths').dataset.seed === '7'")
    assert page.locator(f"{root} select.sample").input_value() == "1"
    assert page.locator(f"{root} select.steps").input_value() == "8"
    assert page.locator(f"{root} select.variation").input_value() == "0.65"
    page.locator(f"{root} select.steps").select_option("2")
    assert page.evaluate("location.hash") == "#fig-paths:sample=1,steps=2,variation=0.65,seed=8"


TEXTS = ["Hello, world = yes", "a=b,c=d", "100% #1 & more", "ünïcödé “quotes” 😀", "  spaces  ", ""]
ROUND_TRIP = """async ([id, settings]) => {
    const { writeShared } = await import('./runtime/share.js');
    writeShared(id, settings);
    return location.hash;
}"""
READ_BACK = """async ([id, schema]) => {
    const { readShared } = await import('./runtime/share.js');
    return readShared(id, schema);
}"""


def test_free_text_round_trips_through_a_link(guarded, page, site_url):
    page.add_init_script(LIVE_OFF)
    page.goto(site_url)
    schema = {"text": {"type": "text", "maxLength": 40}, "n": {"type": "integer", "min": 0, "max": 9}}
    for text in TEXTS:
        written = page.evaluate(ROUND_TRIP, ["fig-test", {"text": text, "n": 3}])
        assert written.count(",") == 1 and written.count("=") == 2, written  # the text's own , and = are escaped
        page.reload()  # through the browser's own handling of the URL
        assert page.evaluate(READ_BACK, ["fig-test", schema]) == {"text": text, "n": 3}, written
    page.evaluate(ROUND_TRIP, ["fig-test", {"text": "x" * 41, "n": 3}])  # over the schema's maxLength
    assert page.evaluate(READ_BACK, ["fig-test", schema]) == {"n": 3}
    page.evaluate(ROUND_TRIP, ["fig-test", {"text": "x" * 5000}])  # over the length a link may carry
    assert page.evaluate("location.hash") == ""


def test_each_schema_matches_its_figures_controls(guarded, page, site_url):
    """A setting that a control shows declares what that control offers: a select's options, a
    range's min and max."""
    page.add_init_script(LIVE_OFF)
    page.goto(site_url)
    mismatches = page.evaluate("""async () => {
        const out = [];
        for (const root of document.querySelectorAll('figure[data-figure]')) {
            const kind = root.dataset.figure;
            const { shared = {} } = await import(`./figures/${kind}/${kind}.js`);
            for (const [name, spec] of Object.entries(shared)) {
                const el = root.querySelector(`.controls select.${name}, .controls input.${name}`);
                if (!el || spec.type === 'text') continue;
                const offered = el.tagName === 'SELECT' ? [...el.options].map((o) => o.value) : [el.min, el.max];
                const declared = spec.type === 'choice' ? spec.values.map(String) : [String(spec.min), String(spec.max)];
                if (JSON.stringify(offered) !== JSON.stringify(declared)) out.push([root.id, name, offered, declared]);
            }
        }
        return out;
    }""")
    assert mismatches == []
