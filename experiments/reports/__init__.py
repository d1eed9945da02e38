"""What the commands write for people to read: Markdown and HTML reports with figures and tables.

- ``comparison.py`` (with ``tables.py``)  the comparison report of ``compare``
- ``calibration.py``                      the calibration report
- ``sensitivity.py``, ``optimize.py``      the sensitivity and optimisation reports
- ``html.py``                             a report's Markdown as one self-contained HTML file
"""
