"""The job runner: every command that runs more than one simulation runs it through here.

- ``jobs.py``      a job (a model config and its output folder), done / to do / conflict, the Runner
- ``worker.py``    what a worker executes (plain payloads; a named post-run measure, if asked)
- ``outputs.py``   a run's folder, written atomically, ``DONE`` last with every output's hash
- ``figures.py``   a run's own figures (members, DAU/WAU/MAU, joins vs churn, retention), and the shared axes
- ``locking.py``   one command per output folder at a time
- ``dry_run.py``   how many runs, how long and where, without running them
- ``backends/``    where runs run: local processes, Ray, SLURM (``runner=local|ray|slurm``)

The runner knows no analysis: an analysis names what to measure after a run (``Job.measure``).
"""
