"""A run's figures (experiments/runner/figures.py) keep every piece of text on the canvas: their
margins are fixed, not solved per figure, so they must hold the widest labels a run can have."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from commsim.experiments.runner.figures import run_figures


def result(scale: float) -> SimpleNamespace:
    """A year of a run whose counts reach ``scale`` (members) and money 50 x ``scale``."""
    days = np.arange(1, 366)
    ramp = days / days[-1]
    ts = pd.DataFrame({"day": days, "members": scale * ramp, "churned_total": 0.4 * scale * ramp,
                       "mau": 0.5 * scale * ramp, "wau": 0.3 * scale * ramp, "dau": 0.1 * scale * ramp,
                       "joined": 0.01 * scale * ramp, "churned": 0.005 * scale * ramp,
                       "referral_joins": 0.002 * scale * ramp})
    spend = pd.DataFrame({"day": days, "acquisition": np.full(365, 0.1 * scale), "incentive": np.full(365, 0.04 * scale)})
    return SimpleNamespace(timeseries=ts, spend=spend,
                           retention=pd.DataFrame({"days_since_join": np.arange(365), "retention": 1 - ramp * 0.9}),
                           config=SimpleNamespace(plan=SimpleNamespace(name="all_strategies", budget=60.0 * scale)),
                           summary={"budget_exhausted_day": 300})


@pytest.mark.parametrize("scale", [30, 999_999, 12_000_000])
def test_no_text_of_a_run_figure_leaves_the_canvas(scale):
    figs = run_figures(result(scale))
    assert set(figs) == {"members", "active", "joins_vs_churn", "retention", "spend"}
    for name, fig in figs.items():
        canvas = FigureCanvasAgg(fig)  # what savefig draws on (the figures come back closed)
        canvas.draw()
        drawn = fig.get_tightbbox(canvas.get_renderer())  # every artist drawn, in inches
        width, height = fig.get_size_inches()
        tolerance = 0.01
        assert (drawn.x0 >= -tolerance and drawn.y0 >= -tolerance and drawn.x1 <= width + tolerance
                and drawn.y1 <= height + tolerance), (
            f"{name} at scale {scale:,}: what is drawn spans {drawn.bounds} (inches), beyond the {width} x {height} "
            f"canvas: a label is cut off")
