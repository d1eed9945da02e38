"""Optuna searches that an interruption does not change: the calibration's and the optimiser's.

A search asks its trials in batches and runs each batch through the job runner. Two things would
make a resumed search differ from an uninterrupted one: trials asked before the interruption but
never told (Optuna keeps them RUNNING), and the sampler's random state, which lives only in the
process. :func:`batches` fixes both: it first hands back the interrupted trials themselves -- their
``suggest_*`` calls return the values stored in the journal, and their runs are on disk or run
now -- and it asks every trial with a fresh sampler seeded by the search's seed and the trial's
number, so a trial is asked the same whether or not the search stopped before it
(``tests/test_studies.py`` interrupts a search while it asks, evaluates and tells;
``tests/test_processes.py`` kills a calibration and an optimisation mid-batch). Two exceptions: a
trial killed between its first and its last parameter gets different values for the parameters
it lacked, and a search resumed with another number of workers asks
batches of another size. The first exception is no rare race for the optimiser, whose plans have
conditional parameters suggested one by one (milliseconds each); a trial's user attribute
``asked`` marks one whose parameters are all suggested.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import numpy as np


def trial_seed(seed: int, number: int) -> int:
    """The seed of the sampler that asks trial ``number``."""
    return int(np.random.SeedSequence([int(seed), int(number)]).generate_state(1)[0])


def batches(study, total: int, size: int, sampler_for: Callable[[int], object],
            suggest: Callable[[object], object], lazy: bool = False) -> Iterator:
    """``(trial, suggestion)`` pairs to evaluate, a batch at a time, until ``total`` trials are
    complete; the caller tells every trial of a batch before asking for the next. A batch is a list,
    or with ``lazy`` an iterator that asks each trial when the caller takes it: the caller can start a
    trial's runs while the next is asked (the same trials: an ask depends on the trials told before
    its batch and the ones asked before it, never on runs under way).
    ``sampler_for(number)`` makes the sampler of trial ``number`` (seed it with :func:`trial_seed`)
    and ``suggest(trial)`` asks the trial for its parameters; it runs at once, while the trial's own
    sampler is the study's, so what a trial is given depends only on its number and the trials
    before it -- never on how many asks one process made before."""
    from optuna.trial import Trial, TrialState

    def trials(*states):
        return study.get_trials(deepcopy=False, states=states)

    def own(number: int, make):
        study.sampler = sampler_for(number)
        trial = make()
        suggestion = suggest(trial)
        if "asked" not in trial.user_attrs:
            trial.set_user_attr("asked", True)  # every parameter suggested (tests kill only after this)
        return trial, suggestion

    while True:
        done = trials(TrialState.COMPLETE)
        # asked before an interruption and never told: the same trials, with the parameters they were given
        batch = [own(t.number, lambda t=t: Trial(study, t._trial_id)) for t in trials(TrialState.RUNNING)]
        if not batch and len(done) >= total:
            return
        created = len(study.get_trials(deepcopy=False))
        if batch:  # the rest of the interrupted batch, if it was killed while asking (none if while telling)
            first, intended = study.user_attrs.get("batch", (created, 0))
            more = max(0, first + intended - created)
        else:
            more = min(size, total - len(done))
            study.set_user_attr("batch", [created, more])  # which trials one batch holds: read on resume
        # a study's trials are numbered 0, 1, 2, ...
        asks = (own(number, study.ask) for number in range(created, created + more))
        if lazy:
            yield itertools.chain(batch, asks)
        else:
            yield batch + list(asks)
