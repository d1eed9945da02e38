"""The ledger: the plan's money, never more than the budget, booked per strategy and day."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commsim.sim.ledger import Ledger, StrategyLedger


def test_unlimited_budget_grants_everything_and_books_it_per_strategy():
    ledger = Ledger()
    assert math.isinf(ledger.remaining)
    assert ledger.spend("content", 50.0) == 50.0
    assert ledger.spend("events", 20.0) == 20.0
    assert ledger.spend("content", 5.0) == 5.0
    assert ledger.close_day()[:2] == ({"content": 55.0, "events": 20.0}, False)
    assert ledger.close_day()[:2] == ({}, False) and ledger.spent == 75.0


def test_spend_is_capped_at_what_is_left_and_then_grants_nothing():
    ledger = Ledger(100.0)
    assert ledger.spend("a", 80.0) == 80.0
    assert ledger.spend("b", 50.0) == 20.0, "only what is left"
    assert ledger.spend("a", 1.0) == 0.0 and ledger.remaining == 0.0
    assert ledger.close_day()[:2] == ({"a": 80.0, "b": 20.0}, True), "the day the budget fell short"


def test_all_or_nothing_books_only_when_everything_is_covered():
    ledger = Ledger(100.0)
    assert not ledger.spend_all_or_nothing("events", 120.0) and ledger.spent == 0.0
    assert ledger.spend_all_or_nothing("events", 100.0) and ledger.remaining == 0.0
    assert ledger.close_day()[:2] == ({"events": 100.0}, True), "the refused 120 was a shortfall"
    assert ledger.spend_all_or_nothing("events", 0.0) and ledger.close_day()[:2] == ({"events": 0.0}, False)


def test_units_are_whole_and_never_overspend():
    ledger = Ledger(0.6)
    assert ledger.spend_units("winback", 0.2, 5) == 3, "0.6 / 0.2 is 3 despite float rounding"
    assert ledger.remaining == pytest.approx(0.0, abs=1e-12)
    assert Ledger(10.0).spend_units("w", 3.0, 100) == 3
    assert Ledger(10.0).spend_units("w", 0.0, 7) == 7, "free units are always granted"
    assert Ledger().spend_units("w", 2.5, 4) == 4


def test_bad_amounts_and_budgets_are_refused():
    with pytest.raises(ValueError, match="budget"):
        Ledger(-1.0)
    with pytest.raises(ValueError, match="budget"):
        Ledger(float("nan"))
    with pytest.raises(ValueError, match="content: cannot spend -5"):
        Ledger().spend("content", -5.0)


def test_a_strategy_ledger_books_under_its_own_name():
    ledger = Ledger(30.0)
    kol, events = StrategyLedger(ledger, "kol"), StrategyLedger(ledger, "events")
    assert kol.spend_units(10.0, 2) == 2
    assert not events.spend_all_or_nothing(20.0)
    assert events.spend(20.0) == 10.0
    assert kol.remaining == events.remaining == 0.0 and kol.budget == 30.0
    assert ledger.close_day()[:2] == ({"kol": 20.0, "events": 10.0}, True)


@given(budget=st.floats(0, 1e4), asks=st.lists(st.tuples(st.sampled_from(["a", "b", "c"]),
                                                          st.sampled_from(["spend", "all", "units"]),
                                                          st.floats(0, 500), st.integers(0, 50)), max_size=40))
def test_total_spend_never_exceeds_the_budget(budget, asks):
    ledger = Ledger(budget)
    booked = 0.0
    for name, how, amount, units in asks:
        if how == "spend":
            booked += ledger.spend(name, amount)
        elif how == "all":
            booked += amount if ledger.spend_all_or_nothing(name, amount) else 0.0
        else:
            booked += amount * ledger.spend_units(name, amount, units)
    day, _, _ = ledger.close_day()
    assert ledger.spent <= budget + 1e-6
    assert sum(day.values()) == pytest.approx(booked, rel=1e-9, abs=1e-9)
    assert all(v >= 0 for v in day.values())


def test_spend_is_booked_per_acquisition_channel_too():
    ledger = Ledger(100.0)
    assert ledger.spend_units("acquisition", 10.0, 3, channel="ads") == 3
    ledger.spend("acquisition", 5.0, channel="partners")
    ledger.spend("content", 20.0)
    day, short, channels = ledger.close_day()
    assert day == {"acquisition": 35.0, "content": 20.0} and not short
    assert channels == {"ads": 30.0, "partners": 5.0}, "money that bought no members is in no channel"
    assert ledger.close_day()[2] == {}


@given(st.lists(st.tuples(st.sampled_from(["content", "kol", "events"]), st.floats(0, 400),
                          st.sampled_from(["spend", "all", "units"])), max_size=60),
       st.floats(0, 2000), st.floats(0, 2000))
def test_a_split_never_lets_a_strategy_spend_beyond_its_allowance_nor_all_beyond_the_budget(requests, a, b):
    budget = a + b + 500.0
    ledger = Ledger(budget, {"content": a, "kol": b})
    for strategy, amount, how in requests:
        if how == "spend":
            ledger.spend(strategy, amount)
        elif how == "all":
            ledger.spend_all_or_nothing(strategy, amount)
        else:
            ledger.spend_units(strategy, 7.5, int(amount))
    assert ledger.spent_by.get("content", 0.0) <= a + 1e-6 and ledger.spent_by.get("kol", 0.0) <= b + 1e-6
    assert ledger.spent <= budget + 1e-6
    left = min(budget - ledger.spent, a - ledger.spent_by.get("content", 0.0))
    assert StrategyLedger(ledger, "content").remaining == pytest.approx(left)


def test_an_unlisted_strategy_spends_from_what_the_budget_has_left():
    ledger = Ledger(1000.0, {"content": 300.0})
    assert ledger.spend("content", 500.0) == 300.0
    assert ledger.spend("events", 900.0) == 700.0
    assert StrategyLedger(ledger, "content").budget == 300.0 and StrategyLedger(ledger, "events").budget == 1000.0


def test_a_budget_split_in_a_run_and_its_clear_errors():
    from commsim.sim import ConfigError, simulate, validate
    from commsim.sim.defaults import default_config

    plan = {"strategies": ["content", "winback"], "budget": 3000, "allowances": {"content": 1000}}
    res = simulate({"days": 60, "network": {"n": 1500}, "plan": {**plan, "budget": 100_000}}, progress="never")
    assert res.spend["content"].sum() == pytest.approx(1000.0) and res.spend["winback"].sum() > 0
    assert res.timeseries["budget_short"].sum() == 0, "an allowance used up is the split working, not a short budget"
    bad = [({"kol": 10}, "'kol' is not a strategy of the plan"), ({"content": 2500, "winback": 1000}, "more than"),
           ({"content": -1}, "negative")]
    for allowances, message in bad:
        with pytest.raises(ConfigError, match=message):
            validate(default_config({"plan": {**plan, "allowances": allowances}}))
