"""The classroom page (a Mesa SolaraViz page). Serve it with ``python -m experiments.demo``.

Each browser session gets its own model; Reset builds a new one from the
current slider values (Mesa calls ``DemoModel(**values)``).
"""

from __future__ import annotations

import solara
from mesa.visualization import SolaraViz

from experiments.demo.levers import model_params
from experiments.demo.model import DemoModel
from experiments.demo.views import VIEWS

TITLE = "commsim classroom: a community under your levers"
PLAY_INTERVAL_MS = 150


@solara.component
def Demo(model: solara.Reactive):
    """The page around ``model`` (a reactive DemoModel; Reset replaces its value)."""
    SolaraViz(model, components=list(VIEWS), model_params=model_params(), name=TITLE,
              play_interval=PLAY_INTERVAL_MS)


@solara.component
def Page():
    first = solara.use_memo(DemoModel, dependencies=[])
    model = solara.use_reactive(first)
    Demo(model)
