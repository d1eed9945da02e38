"""Regenerate the parameter tables in docs/ (model, strategies, classroom) from the code.

    python -m experiments.make_docs           # rewrite the tables in place
    python -m experiments.make_docs --check   # exit 1 if the docs are out of date (tests do this)

Tables sit between ``<!-- params:NAME -->`` and ``<!-- /params -->`` markers;
everything else in the docs is hand-written. Names, defaults and allowed
ranges come from the dataclasses, so they cannot drift from the code; the
one-line rationale of each behaviour parameter lives here.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

RATIONALE = {
 "p_organic": "Bass (1969) innovation coefficients for consumer products are ~0.01–0.03 per *year-scale period*; per day and for a niche community, 1e-4 gives ~3.6% of prospects a year joining without social influence.",
 "q_social": "Bass imitation q is typically ~10× p; 0.03/day when all friends are active members. Lower than product q because only *active* friends count.",
 "signal": "DESIGN.md counts active members; `member` recovers the classic Bass model, where every adopter influences (used by the Bass-limit test).",
 "exposure_p": "Seeing one shared post is weak evidence; 2% per cascade keeps word of mouth a minority channel, as in most community funnels.",
 "invite_accept": "Personal invitations convert far better than ads; referral-program acceptance of 20–30% is commonly reported.",
 "base": "Sets the floor: a member with no habit, no active friends and no content is active ~2% of days, so dormancy is sticky (~50% of 14-day-dormant members return within a month).",
 "habit": "Habit is the strongest predictor of repeat use (Wood & Neal 2007); a full habit adds +4.5 log-odds (≈ ×90 odds), so habitual members are active most days.",
 "social": "Active friends re-activate members (Ribeiro 2014); +2.5 log-odds when all friends are active. Test `test_ribeiro…` shows the sustain-or-die threshold it creates.",
 "content": "Content draws members back with diminishing returns (log); 0.8 per log-unit makes 1 matched post/day worth ≈ +0.55.",
 "fit": "Members who fit the community's purpose engage more; ±1 log-odds across the fit range.",
 "satisfaction": "Satisfied members return (expectation–confirmation; Bhattacherjee 2001); ±1 log-odds across the range.",
 "fatigue": "Too much content and messaging drives disengagement; one unit of fatigue costs 1.5 log-odds.",
 "exposure": "A friend's shared post pulls a member back for a day; capped at 3 cascades.",
 "relevance_general": "An untargeted post interests ~30% as much as an on-topic one (the case for segmentation).",
 "ugc_weight": "Member posts are content too; a topic where 5% of members posted yesterday counts like one operator post.",
 "post_prob": "The 90-9-1 rule (Nielsen 2006): few members create; 5% of active days with a post.",
 "interact_prob": "Likes/replies between active friends; 10% per friend pair per day.",
 "share_prob": "Outward sharing is rare; 1% of active days.",
 "share_reach_p": "Keeps cascades subcritical on mean-degree-10 graphs: most end within one hop (Goel, Watts & Goldstein 2012).",
 "invite_prob": "Unprompted invitations are rare: ~1 per member per year of active days.",
 "buy_prob": "Conversion of active community members to a purchase: 0.2% per active day.",
 "price": "Average order value, in the operator's currency units.",
 "kol_post_mult": "KOLs post several times more than ordinary members.",
 "kol_reach_mult": "KOLs' posts are passed on more readily (trust and audience).",
 "habit_gain": "About 30 active days take habit from 0 to ~0.9 (habits form over weeks; Lally et al. 2010).",
 "habit_decay": "A month without activity loses ~60% of habit.",
 "fatigue_tolerance": "About one operator post a day is taken without tiring.",
 "fatigue_gain": "Each extra tolerance-unit of daily posts adds 0.3 fatigue; with 15% recovery, sustained overload settles at 2× (gain/recovery) the excess.",
 "fatigue_recovery": "Fatigue halves in about 4 days without overload.",
 "message_annoyance": "One message adds a little fatigue (0.1, fading ~15%/day); daily messages accumulate to ~0.7, which lowers activity and doubles churn risk: over-messaging annoys.",
 "satisfaction_rate": "Satisfaction tracks the last ~10 active days.",
 "satisfaction_base": "A quiet active day (no interactions) is neutral.",
 "satisfaction_interaction": "Replies and likes received are the main social reward of a community.",
 "interaction_half": "One interaction gives half the social reward; returns diminish.",
 "quality_weight": "Good operator content pleases, poor content disappoints.",
 "spam_share": "Unmoderated communities carry some spam; 5% of posts.",
 "spam_penalty": "Spam lowers the experience in proportion to its share.",
 "enabled": "Off isolates adoption, e.g. for the Bass-limit check.",
 "hazard_active": "Members active today rarely leave: ~1.5% a month.",
 "hazard_dormant": "Long-inactive members leave at ~17% a month (DESIGN.md: 5–20%).",
 "dormancy_days": "About two weeks of silence turn an active member into a dormant one.",
 "contagion_fade_days": "A churned friend's pull fades over ~3 weeks (the 'fading over weeks' of DESIGN.md).",
 "initial_members": "An exact day-0 member count; leave empty to use the share.",
 "initial_member_share": "A community starts small inside its audience.",
 "placement": "`random` scatters day-0 members; `cluster` grows them from one person (a friend group that starts a community).",
 "topics": "Interest topics for content matching; graphs with interest groups use their groups.",
 "fit_mean": "Most of the audience fits moderately.",
 "fit_concentration": "Beta(2, 2) at the defaults: a broad spread of fit.",
 "initial_habit": "Newcomers arrive curious but without a habit.",
 "seed_member_habit": "Day-0 members already have some habit, spread ±50%.",
}
RATIONALE_CHURN = {"satisfaction": "Dissatisfied members leave (±1 in s moves the hazard by e^2 ≈ ×7.4 across the range).",
           "fatigue": "Fatigue drives churn as well as inactivity (e^0.7 ≈ ×2 per unit).",
           "contagion": "Nitzan & Libai (2011): each defecting neighbour raises the hazard ~×1.8."}


def _range(meta) -> str:
    parts = []
    for key, sym in (("ge", "≥"), ("gt", ">"), ("le", "≤"), ("lt", "<")):
        if meta.get(key) is not None:
            parts.append(f"{sym} {meta[key]:,}" if isinstance(meta[key], int) and meta[key] > 9999 else f"{sym} {meta[key]}")
    if meta.get("choices"):
        parts.append(" / ".join(meta["choices"]))
    return f" ({', '.join(parts)})" if parts else ""


def table(cls, prefix: str, why: dict | None = None) -> str:
    head = "| key | default | meaning |" + (" rationale |" if why is not None else "")
    rule = "|---|---|---|" + ("---|" if why is not None else "")
    lines = [head, rule]
    for f in dataclasses.fields(cls):
        row = f"| `{prefix}.{f.name}` | `{f.default}` | {f.metadata.get('doc', '')}{_range(f.metadata)} |"
        if why is not None:
            row += f" {why.get(f.name, '')} |"
        lines.append(row)
    return "\n".join(lines)


def tables() -> dict[str, str]:
    from agents.behaviour import BehaviourConfig
    from sim.config import PopulationConfig
    from strategies import registry

    b = BehaviourConfig()
    out = {"population": table(PopulationConfig, "population", RATIONALE)}
    for group in ("joining", "activity", "actions", "state"):
        out[group] = table(type(getattr(b, group)), f"behaviour.{group}", RATIONALE)
    out["churn"] = table(type(b.churn), "behaviour.churn", {**RATIONALE, **RATIONALE_CHURN})
    for name in registry.available():
        params = registry.get(name).Params
        if dataclasses.fields(params):
            out[f"strategy:{name}"] = table(params, f"strategies.{name}")
    out["demo:levers"] = levers_table()
    return out


def levers_table() -> str:
    """The classroom page's sliders and the config keys each one sets (experiments/demo/levers.py)."""
    from experiments.demo.levers import BASE_OVERRIDES, DEFAULTS, LEVERS

    lines = ["| control | range | default | sets |", "|---|---|---|---|"]
    for lever in LEVERS:
        span = " / ".join(lever.values) if lever.values else f"{lever.min:g} to {lever.max:g} by {lever.step:g}"
        sample = lever.values[-1] if lever.values else lever.max
        keys = [o.split("=")[0] for o in lever.to_overrides(sample, {**DEFAULTS, "network": "erdos_renyi"})]
        sets = ", ".join(f"`{k}`" for k in keys)
        if lever.strategy:
            sets += f"; 0 leaves `{lever.strategy}` out of the plan"
        lines.append(f"| {lever.label} | {span} | `{lever.default}` | {sets} |")
    lines.append("")
    lines.append("Fixed for every classroom run: " + ", ".join(f"`{o}`" for o in BASE_OVERRIDES) + ".")
    return "\n".join(lines)


MARKER = re.compile(r"(?P<open><!-- params:(?P<name>[\w:]+) -->)(?P<body>(?:(?!<!-- params:).)*?)<!-- /params -->", re.S)


def render(text: str, generated: dict[str, str]) -> str:
    def fill(match):
        name = match.group("name")
        if name not in generated:
            raise KeyError(f"no generated table called {name!r}")
        return f"{match.group('open')}\n{generated[name]}\n<!-- /params -->"
    return MARKER.sub(fill, text)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    generated = tables()
    stale = []
    for doc in ("docs/model.md", "docs/strategies.md", "docs/classroom.md"):
        path = ROOT / doc
        text = path.read_text()
        new = render(text, generated)
        if new != text:
            stale.append(doc)
            if "--check" not in argv:
                path.write_text(new)
    if stale and "--check" in argv:
        print(f"out of date: {', '.join(stale)}; run python -m experiments.make_docs", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
