"""The levers: everything an operating strategy may change on a given day.

The engine resets the levers to neutral at the start of each day (in a plan with
strategies; without any, nothing sets them and the reset is skipped), strategies
set them in ``before_day``, and the daily rules in :mod:`agents` read them.
Strategies act *only* through these fields (and the :class:`~sim.ledger.Ledger`
for money), never by editing population state or another strategy.

==========================  ===========================================================
lever                       read by
==========================  ===========================================================
``posts_all``               activity (content appeal) and state (fatigue): operator
                            posts pushed to every member today
``posts_by_topic``          same, but only for members of that topic (segmentation)
``content_quality``         activity (appeal) and state (satisfaction), in [0, 1]
``activity_uplift``         activity: extra log-odds of being active today, per person
                            (events, rewards, KOL perks, win-back messages)
``messages``                state: operator messages received today, per person
                            (each adds fatigue: over-messaging annoys)
``marketing_p``             joining: extra daily join probability for every prospect
``invite_boost``            actions: relative increase of members' invite rate
``accept_boost``            joining: relative increase of invitees' acceptance
``referral_fit_penalty``    joining: referred joiners' fit is scaled by (1 - penalty)
``points_per_action``       actions: points credited per active day, post, share, invite
``post_boost``              actions: relative increase of posting today, per person
``spam_removed``            state: share of spam the moderators remove, in [0, 1]
``churn_multiplier``        churn: multiplies every member's churn hazard (1 = no effect;
                            volunteer admins lower it)
``crisis_containment``      crisis: share of the crisis news' onward spread stopped today,
                            in [0, 1] (a response that corrects the story)
``correction``              crisis: 1 for people the operator's crisis response reaches
                            directly today (they pass the correction on)
``trust_repair``            trust: share of the gap to full trust closed today, per person
                            (a response, compensation)
==========================  ===========================================================

Three levers change lasting state and are queued, then applied by the engine:
:meth:`Levers.set_role` (applied right after ``setup`` and after each morning's
``before_day``: KOLs, admins), :meth:`Levers.acquire` (applied in the joining stage:
members bought through a paid channel) and :meth:`Levers.add_ties` (applied at the end
of the day: friendships made at events and in interest groups).
"""

from __future__ import annotations

import numpy as np


class Levers:
    def __init__(self, n: int, n_topics: int):
        self.activity_uplift = np.zeros(n, np.float32)
        self.messages = np.zeros(n, np.float32)
        self.post_boost = np.zeros(n, np.float32)
        self.correction = np.zeros(n, np.float32)
        self.trust_repair = np.zeros(n, np.float32)
        self.acquisitions: list[tuple[np.ndarray, int]] = []
        self.posts_by_topic = np.zeros(n_topics, np.float64)
        self.role_changes: list[tuple[np.ndarray, int]] = []
        self.new_ties: list[tuple[np.ndarray, np.ndarray]] = []
        self.reset()

    def __setattr__(self, name, value):
        # per-person levers are updated in place (``+=``, slices); replacing the array would
        # detach it from the engine, which keeps reading the original one
        current = self.__dict__.get(name)
        if isinstance(current, np.ndarray) and value is not current:
            raise AttributeError(f"levers.{name} is a per-person array: change it in place "
                                 f"(levers.{name}[people] += x), do not replace it")
        super().__setattr__(name, value)

    NEUTRAL = {"posts_all": 0.0, "content_quality": 0.5, "marketing_p": 0.0, "invite_boost": 0.0,
               "accept_boost": 0.0, "referral_fit_penalty": 0.0, "points_per_action": 0.0, "spam_removed": 0.0,
               "churn_multiplier": 1.0, "crisis_containment": 0.0}

    def reset(self) -> None:
        """Back to neutral: no operator content, no uplift, no messages."""
        self.__dict__.update(self.NEUTRAL)  # scalars: no array guard needed
        self.posts_by_topic.fill(0.0)
        self.activity_uplift.fill(0.0)
        self.messages.fill(0.0)
        self.post_boost.fill(0.0)
        self.correction.fill(0.0)
        self.trust_repair.fill(0.0)

    def set_role(self, people, role: int) -> None:
        """Give ``people`` a role (``sim.population.Role``) from today on."""
        self.role_changes.append((np.asarray(people, dtype=np.int64), int(role)))

    def acquire(self, people, channel: int) -> None:
        """``people`` (prospects) join today through ``channel`` (a paid ``sim.population.Channel``)."""
        self.acquisitions.append((np.asarray(people, dtype=np.int64), int(channel)))

    def add_ties(self, src, dst) -> None:
        """New friendships between ``src[i]`` and ``dst[i]``, effective tomorrow."""
        src, dst = np.asarray(src, dtype=np.int64), np.asarray(dst, dtype=np.int64)
        if src.shape != dst.shape:
            raise ValueError("add_ties needs two arrays of equal length")
        if src.size:
            self.new_ties.append((src, dst))

