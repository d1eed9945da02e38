"""Serving the page with no internet: every front-end asset comes from a local cache.

Solara's server proxies the page's JavaScript, CSS and fonts from a CDN and keeps
what it fetched in ``solara.settings.assets.proxy_cache_dir``. The package
``solara-assets`` fills that cache at install time with the Vue 2 page (the one
Solara serves when ipyvue < 2 is installed) and the grid Mesa lays its views out
in. The Vue 3 page needs files solara-assets lacks, and Mesa's grid fails on it
("GlobalVue.use is not a function"), which is why pyproject.toml pins ipyvue < 2.

:func:`problems` says what is missing before the server starts; the browser
test (tests/test_demo_browser.py) checks that the page asks for nothing beyond
localhost and that every asset it asks for is served.
"""

from __future__ import annotations

from pathlib import Path

# What the Vue 2 page of solara 1.64 loads from the cache (solara/server/templates/solara.html.j2,
# solara/widgets/vue/gridlayout.vue); the browser test catches any drift.
REQUIRED = (
    "@widgetti/solara-vuetify-app@10.1.1/dist/solara-vuetify-app8.min.js",
    "@widgetti/solara-vuetify-app@10.1.1/dist/main8.css",
    "@widgetti/solara-vuetify-app@10.1.1/dist/fonts.css",
    "requirejs@2.3.6/require.js",
    "font-awesome@4.5.0/css/font-awesome.min.css",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2/dist/vue-grid-layout.umd.js",
)

# Environment for the server: serve assets through the local proxy cache and send no telemetry.
ENV = {
    "SOLARA_ASSETS_PROXY": "true",
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
}

FIX = "re-install the demo's dependencies: make setup (or pip install -e '.[demo]')"


def cache_dir() -> Path:
    import solara.server.settings as settings

    return Path(settings.assets.proxy_cache_dir)


def problems() -> list[str]:
    """Why the page would not load offline (empty when it will)."""
    import ipyvue

    found = []
    if int(ipyvue.__version__.split(".")[0]) >= 2:
        found.append(f"ipyvue {ipyvue.__version__} selects Solara's Vue 3 page, whose assets are not "
                     f"bundled and on which Mesa's grid fails; {FIX}")
    base = cache_dir()
    missing = [path for path in REQUIRED if not (base / path).is_file()]
    if missing:
        found.append(f"front-end assets missing from {base}: {', '.join(missing)}; {FIX}")
    return found
