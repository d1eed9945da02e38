"""The classroom demo: an interactive Solara page over the same CommunityModel.

- levers.py   the sliders and the config overrides they set
- model.py    DemoModel: CommunityModel composed from configs/ with those overrides
- layout.py   node positions, computed once per graph
- svg.py      SVG drawings of the network and the charts (pure functions of arrays)
- views.py    the network view and the live charts (Solara components)
- app.py      the page: controls, Step / Play / Reset, the views
- offline.py  what the page needs to load with no internet
- serve.py    the web server: Solara's app behind a guard that serves assets read-only
- __main__.py ``python -m experiments.demo`` starts the server in this process

See docs/classroom.md.
"""
