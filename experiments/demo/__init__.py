"""The classroom demo: an interactive Mesa SolaraViz page over the same CommunityModel.

- levers.py   the sliders and the config overrides they set
- model.py    DemoModel: CommunityModel composed from configs/ with those overrides
- layout.py   node positions, computed once per graph
- views.py    the network view and the live charts
- app.py      the page (SolaraViz)
- offline.py  what the page needs to load with no internet
- __main__.py ``python -m experiments.demo`` starts the server

See docs/classroom.md.
"""
