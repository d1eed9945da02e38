"""The strategist's workbench: a web page where a community operator uploads an export and gets a
decision, in Chinese or English (``python -m experiments.workbench``; docs/workbench.md).

* :mod:`~experiments.workbench.projects`: projects and jobs in SQLite, files kept inside each
  project's folder;
* :mod:`~experiments.workbench.steps`: the ``commsim`` command each step runs;
* :mod:`~experiments.workbench.tasks` / :mod:`~experiments.workbench.task`: jobs as processes,
  their progress, stop and resume;
* :mod:`~experiments.workbench.app` and :mod:`~experiments.workbench.upload`: the page.
"""
