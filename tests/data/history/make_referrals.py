"""How referrals.json was made: 300 historical referrals across three clusters, 2017-2019.

Deterministic (seeded); run `python tests/data/history/make_referrals.py` to write it again.
Families come back: some children are referred again within 12 months of a RES closure (a
re-referral), some later. Every RES acceptance names one of its team's lead workers
(`mosaic:<team>-<n>`, registered by the test before the import), and has the formulation held
with the family and the family plan opened from it: one to three sub-goals with a baseline and
monthly scores, closed with the allocation (all goals achieved, or the family no longer wanting
support with its goals left open).
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from pathlib import Path

TEAMS = {"2gether": "res-2gether", "inner-east": "res-inner-east", "jess": "res-jess"}
STARTS = {"2gether": date(2017, 1, 1), "inner-east": date(2017, 10, 1), "jess": date(2018, 2, 1)}
FIRST, LAST = date(2017, 1, 2), date(2019, 11, 29)
WORKERS_PER_TEAM = 3
ROWS, RETURNING = 300, 40


def _person(rng: random.Random, ref: str, kind: str, family_name: str) -> dict[str, object]:
    given = rng.choice(["Amy", "Ben", "Cal", "Dee", "Eli", "Fay", "Gus", "Ivy", "Jo", "Kit"])
    born = date(2005, 1, 1) + timedelta(days=rng.randrange(4000)) if kind == "child" else None
    person: dict[str, object] = {
        "import_id": ref,
        "given_name": f"{given}{ref[-3:]}",
        "family_name": family_name,
    }
    if born is not None:
        person["date_of_birth"] = born.isoformat()
    return person


def _decision(rng: random.Random, cluster: str, on: date) -> str:
    roll = rng.random()
    if on >= STARTS[cluster] and roll < 0.45:
        return "accept_for_res_early_help"
    if roll < 0.55:
        return "step_up_to_area_social_work"
    if roll < 0.85:
        return "signpost_to_cluster"
    return "no_further_action"


def _row(
    rng: random.Random, n: int, family: dict[str, object], cluster: str, on: date
) -> dict[str, object]:
    decided = on + timedelta(days=rng.randrange(0, 6))
    kind = _decision(rng, cluster, on)
    row: dict[str, object] = {
        "import_id": f"MOS-R{n:04d}",
        "family_import_id": family["import_id"],
        "source": rng.choice(["school_via_cluster", "duty_and_advice", "other_agency"]),
        "cluster_id": cluster,
        "contacted_on": on.isoformat(),
        "worry": "Carried over from the case system.",
        "children": family["children"],
        "adults": family["adults"],
        "decision": {
            "decision_type": kind,
            "decided_on": decided.isoformat(),
            "rationale": "As recorded in the case system.",
            "explanation_for_referrer": "As told to the referrer at the time.",
        },
    }
    if kind == "accept_for_res_early_help":
        allocation: dict[str, object] = {
            "lead_worker_id": f"mosaic:{TEAMS[cluster]}-{rng.randrange(WORKERS_PER_TEAM)}"
        }
        closed = decided + timedelta(days=rng.randrange(60, 240))
        if closed < date(2019, 12, 31):
            allocation["closed_on"] = closed.isoformat()
            allocation["closure_reason"] = rng.choice(
                ["goals_achieved", "stepped_down_to_cluster", "family_withdrew"]
            )
        row["allocation"] = allocation
        _formulation_and_plan(row, decided, closed if "closed_on" in allocation else None)
    return row


CODES = ("E1", "H2", "S1")


def _formulation_and_plan(row: dict[str, object], decided: date, closed: date | None) -> None:
    # A generator of its own per row, so the referrals part of the file stays as it was.
    rng = random.Random(str(row["import_id"]))
    held = decided + timedelta(days=rng.randrange(3, 15))
    opened = held + timedelta(days=rng.randrange(0, 5))
    end = closed or date(2019, 12, 20)
    achieved = closed is not None and rng.random() < 0.6
    sub_goals = []
    for k in range(rng.choice([1, 2, 3])):
        set_on = opened + timedelta(days=k)
        baseline = rng.randrange(1, 6)
        scores, on, score = [], set_on + timedelta(days=30), baseline
        while on < end:
            score = max(0, min(10, score + rng.choice([-1, 0, 1, 1, 2])))
            scores.append({"score": score, "on": on.isoformat()})
            on += timedelta(days=30)
        goal: dict[str, object] = {
            "import_id": f"{row['import_id']}-G{k}",
            "what": "As agreed with the family.",
            "measure": "Their own 0-10 score",
            "code": rng.choice(CODES),
            "set_on": set_on.isoformat(),
            "by_when": (set_on + timedelta(days=180)).isoformat(),
            "baseline": {"score": baseline, "on": set_on.isoformat()},
            "scores": scores,
        }
        if achieved:
            last = date.fromisoformat(scores[-1]["on"]) if scores else set_on
            goal["ended_on"] = last.isoformat()
            goal["end_state"] = "achieved"
        sub_goals.append(goal)
    plan: dict[str, object] = {
        "opened_on": opened.isoformat(),
        "overall_goal": "As agreed with the family.",
        "sub_goals": sub_goals,
    }
    if closed is not None:
        reason = "all_goals_achieved" if achieved else "family_no_longer_wanted_support"
        plan["closure"] = {"closed_on": closed.isoformat(), "reason": reason}
    row["formulation"] = {"held_on": held.isoformat(), "presenting_issue": "As recorded."}
    row["plan"] = plan


def make() -> dict[str, object]:
    rng = random.Random(13)
    rows: list[dict[str, object]] = []
    closed_families: list[tuple[dict[str, object], str, date]] = []
    for n in range(ROWS - RETURNING):
        cluster = rng.choice(sorted(TEAMS))
        on = FIRST + timedelta(days=rng.randrange((LAST - FIRST).days - 400))
        name = f"Fam{n:04d}"
        family = {
            "import_id": f"MOS-F{n:04d}",
            "children": [
                _person(rng, f"MOS-P{n:04d}{c}", "child", name)
                for c in "ab"[: rng.choice([1, 1, 2])]
            ],
            "adults": [_person(rng, f"MOS-P{n:04d}z", "adult", name)],
        }
        row = _row(rng, n, family, cluster, on)
        rows.append(row)
        allocation = row.get("allocation")
        if isinstance(allocation, dict) and "closed_on" in allocation:
            closed_families.append((family, cluster, date.fromisoformat(allocation["closed_on"])))
    rng.shuffle(closed_families)
    for k, (family, cluster, closed) in enumerate(closed_families[:RETURNING]):
        # Half come back within the year (a re-referral), half later.
        gap = rng.randrange(20, 330) if k % 2 == 0 else rng.randrange(380, 500)
        on = min(closed + timedelta(days=gap), LAST)
        rows.append(_row(rng, ROWS - RETURNING + k, family, cluster, on))
    rng.shuffle(rows)
    return {"source_system": "mosaic", "referrals": rows}


if __name__ == "__main__":
    out = Path(__file__).with_name("referrals.json")
    out.write_text(json.dumps(make(), indent=1) + "\n")
