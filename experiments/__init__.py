"""Entry points: ``run`` (one scenario); outputs and figures of a run."""
