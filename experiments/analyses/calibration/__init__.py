"""Calibration: fit the model to a community's own activity log, with uncertainty.

- ``twin.py``      the calibrated twin's set-up from the training window of a log (graph from the
                   interactions before the cut-off, arrivals, calendar)
- ``targets.py``   what a fit compares: observed vs simulated DAU, people ever active, retention
- ``priors.py``    the parameters a calibration may fit and their prior ranges
- ``search.py``    screening, the Optuna search and rejection ABC in its box -> posterior
- ``baselines.py`` the forecasts a twin must beat: naive, seasonal, ETS, ARIMA, Theta
- ``backtest.py``  the forecast's band (stacked and conformally widened on the twin's own error),
                   its errors, and the baselines' on the held-out days

``python -m experiments.calibrate`` (experiments/calibrate.py) runs them in order; every
simulation goes through the job runner (experiments/runner/jobs.py); its report is
experiments/reports/calibration.py. docs/calibration.md explains the
method and its diagnostics.
"""
