"""Optuna searches that an interruption does not change: the calibration's and the optimiser's.

A search asks its trials in batches and runs each batch through the job runner. Two things would
make a resumed search differ from an uninterrupted one: trials asked before the interruption but
never told (Optuna keeps them RUNNING), and the sampler's random state, which lives only in the
process. :func:`batches` fixes both: it first hands back the interrupted trials themselves -- their
``suggest_*`` calls return the values stored in the journal, and their runs are on disk or run
now -- and it asks every trial with a fresh sampler seeded by the search's seed and the trial's
number, so a trial is asked the same whether or not the search stopped before it
(``tests/test_processes.py`` kills a calibration and an optimisation mid-batch and compares). A
trial killed between its first and its last parameter is the one exception: the sampler fills in
the parameters it lacks from the trials it sees then.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np


def trial_seed(seed: int, number: int) -> int:
    """The seed of the sampler that asks trial ``number``."""
    return int(np.random.SeedSequence([int(seed), int(number)]).generate_state(1)[0])


def batches(study, total: int, size: int, sampler_for: Callable[[int], object]) -> Iterator[list]:
    """Live trials to evaluate, a batch at a time, until ``total`` trials are complete; the caller
    tells every trial of a batch before asking for the next. ``sampler_for(number)`` makes the
    sampler that asks trial ``number`` (seed it with :func:`trial_seed`): a fresh one per trial, so
    what a trial is asked depends only on its number and on the trials before it, finished or under
    way -- never on how many asks one process made before."""
    from optuna.trial import Trial, TrialState

    while True:
        done = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
        # asked before an interruption and never told: the same trials, with the parameters they were given
        batch = [Trial(study, t._trial_id)
                 for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING, TrialState.WAITING))]
        if not batch and done >= total:
            return
        while len(batch) < min(size, total - done):  # the rest of an interrupted batch, or a new one
            study.sampler = sampler_for(len(study.get_trials(deepcopy=False)))
            batch.append(study.ask())
        yield batch
