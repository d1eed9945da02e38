"""commsim's errors, in one place.

:class:`UserError` is the family of problems with what a user asked for (a bad
key, an unreadable file, a run that would not fit in memory): every command
reports one as a message without a traceback and exits with status 2. Errors
that are bugs in a stage or a strategy are not user errors; the engine adds a
note naming the day and the stage or strategy (see :mod:`sim.model`).
"""

from __future__ import annotations


class UserError(Exception):
    """A problem with the user's input: reported as a message, exit status 2."""


class ConfigError(UserError, ValueError):
    """The configuration is invalid; ``problems`` lists each ``key: what is wrong``."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        head = "invalid configuration" if len(problems) == 1 else f"{len(problems)} problems in the configuration"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in problems))

    def __reduce__(self):
        # rebuilt from its problems when it crosses a process boundary (a worker's error reaching the
        # driver): the default rebuilds from the message, which this __init__ would read letter by letter
        return (_rebuilt, (type(self), self.problems), self.__dict__)  # __dict__: notes added on the way


def _rebuilt(cls, problems: list[str]) -> ConfigError:
    err = cls.__new__(cls)
    ConfigError.__init__(err, problems)
    return err


class StageContractError(RuntimeError):
    """A stage of the day returned outputs other than the ones it declared."""


class StrategyError(RuntimeError):
    """A strategy broke the strategy contract (e.g. wrote population state directly)."""
