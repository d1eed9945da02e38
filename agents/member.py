"""``Member``: a mesa.Agent view of one person in the population arrays.

The daily update is vectorised over :class:`sim.population.Population`; this
view exists so a small model (the classroom karate club) can be inspected the
Mesa way: ``model.member(0).habit``, ``model.member(0).friends``. Attributes
read the arrays live, so a view never goes stale.
"""

from __future__ import annotations

import mesa

from commsim.sim.population import Channel, Role, Status


class Member(mesa.Agent):
    def __init__(self, model, person: int):
        super().__init__(model)
        self.person = int(person)

    def _get(self, name):
        return getattr(self.model.population, name)[self.person]

    @property
    def status(self) -> Status:
        return Status(int(self._get("status")))

    @property
    def role(self) -> Role:
        return Role(int(self._get("role")))

    @property
    def channel(self) -> Channel:
        return Channel(int(self._get("channel")))

    @property
    def active(self) -> bool:
        return bool(self._get("active"))

    @property
    def habit(self) -> float:
        return float(self._get("habit"))

    @property
    def satisfaction(self) -> float:
        return float(self._get("satisfaction"))

    @property
    def fatigue(self) -> float:
        return float(self._get("fatigue"))

    @property
    def points(self) -> float:
        return float(self._get("points"))

    @property
    def fit(self) -> float:
        return float(self._get("fit"))

    @property
    def topic(self) -> int:
        return int(self._get("topic"))

    @property
    def join_day(self) -> int | None:
        day = int(self._get("join_day"))
        return day if day > -(2**29) else None

    @property
    def last_active_day(self) -> int | None:
        day = int(self._get("last_active_day"))
        return day if day > -(2**29) else None

    @property
    def friends(self) -> list[int]:
        return self.model.graph.neighbours(self.person).tolist()

    def __repr__(self) -> str:
        return f"Member(person={self.person}, status={self.status.name.lower()}, habit={self.habit:.2f})"
