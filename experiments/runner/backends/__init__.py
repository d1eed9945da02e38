"""Where the job runner's runs run: ``runner=local|ray|slurm`` (configs/runner/).

:func:`experiments.runner.backends.choose.make` picks one; :mod:`.base` holds what they share.

The job runner (:mod:`experiments.runner.jobs`) decides *what* runs -- the jobs that are not done -- and
cuts them into batches of plain payloads (:mod:`experiments.runner.worker`); a backend decides *where*:

* ``local`` (:mod:`.local`) -- worker processes on this machine that stay alive across runs;
* ``ray`` (:mod:`.ray_cluster`) -- tasks on a Ray cluster, through Ray's own client API;
* ``slurm`` (:mod:`.slurm`) -- SLURM job arrays through submitit (or submitit's local executor).

Every backend has the same three duties: run each batch (every run writes its own directory, which
on a cluster is the shared results folder), call ``done(i)`` as batch ``i`` finishes, and retry a
batch whose worker died (killed, out of memory, a node lost) up to ``runner.retries`` times before it
gives up, naming the runs. Because a run's numbers depend only on its config, the backend never
changes them: the same job gives the same files everywhere (tests/test_backends.py).
"""
