"""The site builder behind ``build.py``: small stages, each a function a test can call.

article.load_article → frames.precompute → render.render_page → assets.static_files and
assets.runtime_files → assets.write_site.
"""
