"""Journey 2: a RES practitioner formulates with a family (the walk back fails, is mended and
passes), opens the family plan with three sub-goals (a fourth is refused), agrees an action from
the formulation's Next Steps and records what was done (the activities of the evaluation's
Table 4), enters four weeks of scores and closes the plan with a sustainability plan; in real
Chromium, the whole platform."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from tests.browser.arrange import (
    add_worker,
    allocate_family,
    completed_formulation,
    eventually,
    open_plan,
)

pytestmark = pytest.mark.integration

TEAM, CLUSTER = "res-inner-east", "inner-east"
TODAY = date.today()


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def add_factor(page, p: str, text: str, *, driver: bool = False) -> None:  # type: ignore[no-untyped-def]
    section = page.locator(f"#p-{p}")
    section.locator(f"#description-{p}").fill(text)
    if driver:
        section.get_by_label("A main driving factor").check()
    section.get_by_role("button", name="Add the factor").click()
    page.wait_for_load_state()


def test_a_practitioner_formulates_plans_scores_and_closes(page, system, sign_in, check_page):
    add_worker(system, TEAM, "user:jo-dale", "Jo Dale")
    family = allocate_family(system, TEAM, CLUSTER, surname="Okafor", days_ago=35)

    sign_in(page, "res_practitioner", name="Jo Dale", team=TEAM, start="/families")
    start = page.locator(f'a[href="/formulations/new?family_id={family.family_id}"]')
    assert start.is_visible()
    check_page(page, "my-families")
    start.click()

    page.locator("#held_on").fill(ago(32))

    def started() -> bool:
        page.get_by_role("button", name="Start the formulation").click()
        page.wait_for_load_state()
        return page.get_by_role("heading", name="Formulation", level=1).count() == 1

    eventually(started, timeout=60)  # the formulation service learns the allocation from events
    editor = page.url

    # Step 1: who takes part (the family's people from the front door's record).
    for role, member in (("parent_carer", 2), ("young_person", 1), ("school", None)):
        page.get_by_text("Add a participant", exact=True).click()
        page.locator("#role").select_option(role)
        if member:
            page.locator("#person_id").select_option(index=member)
        if role == "school":
            page.locator("#agency_id").fill("school-42")
        page.get_by_role("button", name="Add the participant").click()
        page.wait_for_load_state()

    # Step 3: the 6 Ps, with the main driving factor.
    add_factor(page, "presenting", "Jay has stopped going to school")
    add_factor(page, "predisposing", "Two house moves in two years")
    add_factor(page, "precipitating", "Dad left at Christmas")
    add_factor(page, "perpetuating", "Mornings end in arguments", driver=True)
    add_factor(page, "protective", "Jay is close to his gran")
    add_factor(page, "predicting", "Exclusion if the absence goes on")

    # The 4 Ps: a priority only when all four hold.
    page.locator("#p-perpetuating summary").click()
    for value in ("prerequisite", "powerful", "proximal", "participants_goals"):
        page.locator(f"#p-perpetuating input[value={value}]").check()
    page.get_by_role("button", name="Save the 4 Ps").click()
    assert page.locator("#p-perpetuating").get_by_text("Priority", exact=True).is_visible()

    page.locator("#hypothesis").fill("Mornings became a battleground after Dad left")
    page.get_by_role("button", name="Save the hypothesis").click()
    page.locator("#goal").fill("Jay is in school every day")
    page.locator("#goal_factor_ids").check()  # the first factor: the presenting issue
    page.get_by_role("button", name="Save the overall goal").click()

    # A next step that walks back to nothing: the walk back fails and says what to fix.
    page.locator("#step-what").fill("Weekly check-in at school")
    page.locator("#step-owner").select_option(index=3)
    page.locator("#step-due_on").fill((TODAY + timedelta(days=14)).isoformat())
    page.get_by_role("button", name="Add the step").click()
    walk_back = page.locator("#walk-back")
    assert "The walk back fails: what to fix" in walk_back.inner_text()
    assert "‘Weekly check-in at school’ does not walk back" in walk_back.inner_text()
    assert (
        "No next step addresses the priority ‘Mornings end in arguments’" in walk_back.inner_text()
    )
    check_page(page, "walk-back-fails")
    page.get_by_role("button", name="Complete the formulation").click()
    assert page.locator(".govuk-error-summary").first.is_visible()
    assert "cannot be completed yet" in page.locator(".govuk-error-summary").first.inner_text()

    # Mend the step: it addresses the priority and walks back to the presenting issue.
    page.get_by_text("Change this step").click()
    step = page.locator(".govuk-summary-card", has_text="Weekly check-in at school")
    step.locator("select[name$='-addresses']").select_option(
        label="Mornings end in arguments (a priority)"
    )
    step.locator("select[name$='-presenting']").select_option(
        label="Jay has stopped going to school"
    )
    step.get_by_label("Jay is close to his gran").check()
    step.get_by_role("button", name="Save the step").click()
    assert "The walk back passes" in page.locator("#walk-back").inner_text()
    check_page(page, "walk-back-passes")
    page.get_by_role("button", name="Complete the formulation").click()
    assert "Completed" in page.locator(".govuk-caption-l").inner_text()

    # Open the family plan from the completed formulation (goals learns of it from events).
    def opened() -> bool:
        page.goto(editor)
        page.locator("#opened_on").fill(ago(30))
        page.get_by_role("button", name="Open the family plan").click()
        page.wait_for_load_state()
        return "/plans/" in page.url

    eventually(opened, timeout=60)

    def agree(code: str, what: str, *, expect_refusal: bool = False) -> None:
        page.locator("#what").fill(what)
        page.locator("#measure").fill("The family's score at the weekly visit")
        page.locator("#code").select_option(code)
        page.locator("#person_ids").check()
        page.locator("#factor_ids").check()
        page.locator("#by_when").fill((TODAY + timedelta(days=90)).isoformat())
        page.locator("#agreed_on").fill(ago(28))
        page.get_by_role("button", name="Agree the sub-goal").click()
        page.wait_for_load_state()

    agree("S1", "Mornings are calm and safe")
    agree("E5", "Jay gets to school on time")
    agree("F2", "Jay feels less anxious")
    assert page.locator(".govuk-summary-card").count() == 3

    # A fourth active sub-goal is refused, said on the form with the input kept.
    agree("H1", "We eat together three times a week")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible(), page.locator("body").inner_text()[:3000]
    assert summary.get_by_role("link").first.get_attribute("href") == "#queue"
    assert page.locator("#what").input_value() == "We eat together three times a week"
    assert page.locator(".govuk-summary-card").count() == 3
    check_page(page, "fourth-sub-goal-refused")

    # The family's baselines, then four weeks of scores, one click a sub-goal each week.
    ids = [i.get_attribute("value") for i in page.locator("input[name=sub_goal_ids]").all()]
    assert len(ids) == 3
    for sg in ids:
        card = page.locator(f"#sub-goal-{sg}")
        card.locator(f"input[name='baseline-{sg}-score'][value='3']").check()
        card.locator(f"#baseline-{sg}-on").fill(ago(28))
        card.get_by_role("button", name=re.compile("^Save the baseline")).click()
        page.wait_for_load_state()

    # The first sub-goal's actions, started from the formulation's Next Step. Without its kind
    # of work it is refused, said beside the field, the words kept.
    plan_url = page.url.split("#")[0]
    page.locator(f"#sub-goal-{ids[0]}").get_by_role(
        "link", name=re.compile("actions|agreed", re.I)
    ).click()
    assert "No actions agreed yet" in page.locator("main").inner_text()
    page.get_by_role("link", name="Use the step ‘Weekly check-in at school’").click()
    assert page.locator("#what").input_value() == "Weekly check-in at school"
    assert page.locator("#who").input_value() == "School"
    page.locator("#agreed_on").fill(ago(27))
    page.get_by_role("button", name="Agree the action").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert summary.get_by_role("link").first.get_attribute("href") == "#category"
    assert page.locator("#what").input_value() == "Weekly check-in at school"
    check_page(page, "action-needs-its-kind-of-work")
    page.get_by_label("Engagement and alignment work").check()
    page.get_by_role("button", name="Agree the action").click()
    page.wait_for_url(re.compile(r"/sub-goals/.+#actions$"))
    action = page.locator(".govuk-summary-card", has_text="Weekly check-in at school")
    assert "Engagement and alignment work" in action.inner_text()
    action.get_by_text("Record what was done on this action").click()
    action.locator("textarea[name$='-note']").fill("Met Jay and his mentor; Jay set his own target")
    action.locator("input[name$='-on']").fill(ago(20))
    action.get_by_role("button", name="Record what was done").click()
    page.wait_for_load_state()
    done = page.locator(".govuk-summary-card", has_text="Weekly check-in at school")
    assert "Met Jay and his mentor; Jay set his own target" in done.inner_text()
    check_page(page, "action-recorded")
    page.get_by_role("link", name="The family plan").click()
    assert page.locator(f"#sub-goal-{ids[0]}").get_by_text("1 agreed").is_visible()
    assert page.url.split("#")[0] == plan_url
    for week, scores in enumerate(([4, 3, 5], [5, 4, 5], [6, 5, 6], [7, 6, 8])):
        form = page.locator("#this-week")
        for sg, score in zip(ids, scores, strict=True):
            form.locator(f"input[name='score-{sg}'][value='{score}']").check()
        form.locator("#scored_on").fill(ago(21 - 7 * week))
        form.get_by_role("button", name="Save this week's scores").click()
        page.wait_for_load_state()
        assert not page.locator(".govuk-error-summary").count(), page.locator("main").inner_text()
    chart = page.get_by_role("img", name=re.compile("^Progress chart of family scores"))
    assert chart.is_visible()
    page.get_by_text("The scores as a table").click()
    assert page.locator("#progress-scores tbody tr").count() == 15  # 3 baselines, 12 scores
    check_page(page, "four-weeks-of-scores")

    # The action counts in the evaluation's Table 4, on an improving goal.
    def counted() -> bool:
        with system.api("outcomes", "bi_analyst") as o:
            rows = o.get("/v1/evaluation/table-4", params={"cluster_id": CLUSTER}).json()["rows"]
        row = next(
            (r for r in rows if r["activity_category"] == "engagement_and_alignment_work"), None
        )
        return row is not None and row["improved"] == 1 and row["total"] == 1

    eventually(counted, timeout=60)

    # Close with the sustainability plan, then the family's feedback.
    close = page.locator("#closure")
    close.get_by_label("All goals achieved").check()
    close.locator("#worked_on").fill("Morning routines and getting to school")
    close.locator("#achieved").fill("Calm mornings most days; Jay at school on time")
    close.locator("#how_family_continues").fill(
        "Keep the routine chart and the Sunday family meeting"
    )
    close.locator("#support_who").fill("School learning mentor")
    close.locator("#support_keeps_doing").fill("A weekly check-in with Jay")
    close.locator("#support_contact").fill("Through the school office")
    close.locator("#look_out_for").fill("Late nights before school days")
    close.get_by_role("button", name="Close the plan").click()
    page.wait_for_load_state()
    assert "Closed" in page.locator(".govuk-caption-l").inner_text()
    feedback = page.locator("#feedback")
    feedback.locator("input[name=treated_with_respect][value=yes]").check()
    feedback.locator("input[name=would_recommend][value=yes]").check()
    for name, score in (
        ("service_rating", 9),
        ("worker_communication_rating", 10),
        ("understood_process_rating", 8),
    ):
        feedback.locator(f"input[name={name}][value='{score}']").check()
    feedback.get_by_role("button", name="Save the family's feedback").click()
    page.wait_for_load_state()
    assert "Would recommend the service" in page.locator("main").inner_text()
    check_page(page, "plan-closed")


def test_a_plan_that_is_not_progressing_goes_back_to_formulation(page, system, sign_in, check_page):
    formulation_id = completed_formulation(system, "The mornings are not the whole story")
    plan_id = open_plan(system, formulation_id)

    sign_in(page, "admin", name="Lee Ward", start=f"/plans/{plan_id}")
    page.get_by_text("Send the plan back to formulation instead").click()
    back = page.locator("#return-to-formulation")
    back.get_by_label("New information changes our understanding").check()
    back.get_by_role("button", name="Send the plan back to formulation").click()
    # Why is needed: refused, said beside the field, the choice kept and the form open.
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert summary.get_by_role("link").first.get_attribute("href") == "#return_rationale"
    assert back.get_by_label("New information changes our understanding").is_checked()
    assert back.locator("#return_rationale").is_visible()
    check_page(page, "return-needs-why")

    back.locator("#return_rationale").fill("School told us Jay is being bullied on the bus")
    back.get_by_role("button", name="Send the plan back to formulation").click()
    page.wait_for_url(f"**/plans/{plan_id}#returned")
    assert "Returned to formulation" in page.locator(".govuk-caption-l").inner_text()
    returned = page.locator("#returned + dl").inner_text()
    assert "School told us Jay is being bullied on the bus" in returned
    assert page.locator("#closure").count() == 0  # nothing more to do on this plan
    check_page(page, "returned-to-formulation")

    # The formulation comes back as a new draft version (from the goals service's event).
    page.get_by_role("link", name="the formulation's versions").click()

    def reopened() -> bool:
        page.reload()
        return page.locator("main").get_by_text("Draft", exact=True).count() == 1

    eventually(reopened, timeout=60)
    check_page(page, "formulation-versions")
