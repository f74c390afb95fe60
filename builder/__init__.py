"""The site builder behind ``build.py``: small stages, each a function a test can call.

figures.discover and article.load_article → frames.precompute → render.render_page →
assets.static_files and assets.runtime_files → assets.write_site.
"""
from pathlib import Path

# The page around any article: its templates/ (the page and what figure templates include),
# runtime/ (the JS that mounts the figures and runs the model) and style.css. An article folder
# (build.py --article) brings its prose and its figures/.
SHELL = Path(__file__).resolve().parent.parent / "article"
