"""The classroom page (Solara). Serve it with ``python -m experiments.demo``.

Each browser tab gets its own model. *Step* advances one day, *Play* steps on its own at the
chosen speed, *Reset* builds a new model from the sliders; a run stops at its last day
(``days``, 365 in the classroom) and says so.
"""

from __future__ import annotations

import threading
import time

import solara

from commsim.experiments.demo.levers import LEVERS
from commsim.experiments.demo.model import DemoModel
from commsim.experiments.demo.turns import TURNS
from commsim.experiments.demo.views import VIEWS
from commsim.experiments.reports.kit import LANGUAGE_NAMES as LANGUAGES, Formatter, page_language

TITLE = "commsim classroom: a community under your levers"
LANGUAGE_ENV = "COMMSIM_DEMO_LANGUAGE"  # the page's first language (commsim demo --language zh)
SPEEDS = (1, 2, 5, 10, 20)  # days per second while playing
DEFAULT_SPEED = 5

CSS = """
.commsim-drawing > * { grid-area: 1 / 1; }
.commsim-drawing svg { display: block; }
.commsim-controls .v-label { font-size: 15px; }
/* each slider's label on its own line above a full-width track, its value always on the thumb */
.commsim-controls .v-input__slider .v-input__slot { flex-direction: column; align-items: stretch; }
.commsim-controls .v-input__slider .v-label { margin-bottom: 34px; white-space: normal; height: auto; }
.commsim-controls .v-input__slider .v-slider { min-width: 200px; margin: 0 8px; }
.commsim-status { font-size: 18px; }
"""


def _slider(lever, value: solara.Reactive, t):
    kind = solara.SliderFloat if isinstance(lever.step, float) else solara.SliderInt
    kind(t(lever.label), value=value, min=lever.min, max=lever.max, step=lever.step, thumb_label="always",
         tick_labels="end_points")


@solara.component
def Controls(values: dict, playing: solara.Reactive, speed: solara.Reactive, on_step, on_reset, at_end: bool,
             language: solara.Reactive):
    t = Formatter(language.value).t
    with solara.Column(classes=["commsim-controls"], gap="6px", style={"padding-top": "28px"}):
        names = {label: code for code, label in LANGUAGES.items()}
        solara.ToggleButtonsSingle(value=LANGUAGES[language.value], values=list(names),
                                   on_value=lambda v: language.set(names[v]), classes=["commsim-language"])
        with solara.Row(gap="8px"):
            solara.Button(t("Step"), on_click=on_step, disabled=playing.value or at_end, color="primary")
            if playing.value:
                solara.Button(t("Pause"), on_click=lambda: playing.set(False), color="primary")
            else:
                solara.Button(t("Play"), on_click=lambda: playing.set(True), disabled=at_end, color="primary")
            solara.Button(t("Reset"), on_click=on_reset, color="secondary")
        solara.Select(t("Play speed (days per second)"), values=list(SPEEDS), value=speed)
        solara.HTML(tag="div", unsafe_innerHTML=t("<b>Sliders act on Reset</b>: move them, then press Reset."),
                    style="font-size: 15px; margin: 4px 0 8px")
        for lever in LEVERS:
            if lever.values:
                solara.Select(t(lever.label), values=list(lever.values), value=values[lever.name])
            else:
                _slider(lever, values[lever.name], t)


@solara.component
def Views(model: solara.Reactive, day: solara.Reactive, playing: solara.Reactive, language: str = "en"):
    """The status line and the four views; the only part that redraws every day."""
    t = Formatter(language).t
    current, shown = model.value, day.value
    if shown >= current.cfg.days:
        message = t("Day {day} of {days}: the run is over. Press Reset for a new community (move the sliders "
                    "first to change it).", day=shown, days=current.cfg.days)
    else:
        message = (t("Day {day} of {days} (playing)", day=shown, days=current.cfg.days) if playing.value
                   else t("Day {day} of {days}", day=shown, days=current.cfg.days))
    solara.HTML(tag="div", unsafe_innerHTML=f"<b>{message}</b>", classes=["commsim-status"])
    network, *charts = VIEWS
    network(current, shown, t)
    with solara.Row(gap="12px", style={"flex-wrap": "wrap"}):
        for chart in charts:
            with solara.Column(style={"flex": "1 1 420px", "min-width": "360px", "max-width": "600px"}):
                chart(current, shown, t)


@solara.component
def Demo(model: solara.Reactive):
    """The page around ``model`` (a reactive DemoModel; Reset replaces its value)."""
    # LEVERS is a constant tuple, so these hooks run in the same order on every render
    values = {lever.name: solara.use_reactive(model.value.levers_set[lever.name]) for lever in LEVERS}  # noqa: SH103
    day = solara.use_reactive(model.value.day)  # the day on screen: setting it redraws the views only
    finished = solara.use_reactive(model.value.day >= model.value.cfg.days)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(DEFAULT_SPEED)
    lock = solara.use_memo(threading.Lock, dependencies=[])  # one step at a time per tab
    language = solara.use_reactive(page_language(LANGUAGE_ENV))

    def step_once(expected=None, cancel: threading.Event | None = None) -> bool | None:
        """Advance one day (in turn with every other tab: turns.py); False once the run has reached
        its last day; None, without a step, when the play that asked was paused or its model
        replaced (Reset) while it waited for its turn."""
        with TURNS.turn(), lock:
            m = model.value
            if (expected is not None and m is not expected) or (cancel is not None and cancel.is_set()):
                return None
            if m.day < m.cfg.days:
                m.step()
                day.set(m.day)
            finished.set(m.day >= m.cfg.days)
            return not finished.value

    def play(cancel: threading.Event) -> None:
        if not playing.value:
            return
        mine = model.value
        while not cancel.is_set():
            started = time.monotonic()
            going = step_once(mine, cancel)
            if going is None:
                return
            if not going:
                playing.set(False)
                return
            cancel.wait(max(0.0, 1.0 / speed.value - (time.monotonic() - started)))

    solara.use_thread(play, dependencies=[playing.value, model.value], intrusive_cancel=False)

    def reset() -> None:
        playing.set(False)
        fresh = DemoModel(**{name: value.value for name, value in values.items()})  # built outside the lock:
        with lock:  # a play thread holding the server-wide turn may be waiting for it
            model.set(fresh)
            day.set(0)
            finished.set(False)

    solara.Title(Formatter(language.value).t(TITLE))
    solara.Style(CSS)
    with solara.Sidebar():
        Controls(values, playing, speed, step_once, reset, finished.value, language)
    with solara.Column(gap="8px", style={"padding": "8px 16px"}):
        Views(model, day, playing, language.value)


@solara.component
def Page():
    first = solara.use_memo(DemoModel, dependencies=[])
    model = solara.use_reactive(first)
    Demo(model)
