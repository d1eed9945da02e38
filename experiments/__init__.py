"""Everything on top of the engine, in wings a newcomer can read from the names:

- the **commands** are the modules here, each ``python -m experiments.<name>`` (and ``commsim
  <name>``): ``run`` (and sweeps: ``run -m``, collected by ``sweeps``), ``compare``, ``calibrate``,
  ``sensitivity``, ``optimize``, ``stylized_facts``, ``crn_benchmark``, ``make_docs``; with their
  front door: ``settings`` (every command key), ``cli`` (checked command lines, help), ``overrides``,
  and ``api`` (the commands as Python functions);
- ``runner/``     the one job runner every many-run command uses, and its backends;
- ``analyses/``   paired statistics and calibration;
- ``reports/``    the reports people read (Markdown + HTML, figures);
- ``demo/``       the classroom page (``python -m experiments.demo``);
- ``benchmarks/`` speed and memory benchmarks (``python -m experiments.benchmarks``).
"""
