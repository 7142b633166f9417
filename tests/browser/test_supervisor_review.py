"""Journey 3: a supervisor reviews a plan in outcome focused supervision ("is the plan likely
to achieve the goal; if not, why not"), in real Chromium against the whole platform."""

from __future__ import annotations

import pytest

from tests.browser.arrange import agree_sub_goal_with_action, completed_formulation, open_plan

pytestmark = pytest.mark.integration


def test_a_supervisor_reviews_a_plan(page, system, sign_in, check_page):
    formulation_id = completed_formulation(system, "Mornings became a battleground after Dad left")
    plan_id = open_plan(system, formulation_id)
    agree_sub_goal_with_action(
        system,
        plan_id,
        formulation_id,
        code="S1",
        what="Mornings are calm and safe",
        action="Practise the morning routine chart with Mum",
    )

    sign_in(page, "supervisor", name="Sam Reid", start="/supervision")
    link = page.locator(f'a[href="/supervision/{formulation_id}"]')
    assert link.is_visible()
    check_page(page, "plans-to-review")
    link.click()
    assert "Mornings became a battleground after Dad left" in page.locator("main").inner_text()
    assert "Mornings end in arguments" in page.locator("main").inner_text()  # the priority
    # The plan beside it: each sub-goal with its movement and the actions agreed for it.
    plan = page.locator("table", has_text="Mornings are calm and safe").inner_text()
    assert "Being worked on" in plan
    assert "Practise the morning routine chart with Mum (parenting work)" in plan
    assert page.locator(f'a[href="/plans/{plan_id}"]').is_visible()

    # "No" needs the reason why not: refused, said beside the field, the choice kept.
    page.locator("input[name=kind][value=group]").check()
    page.locator("input[name=likely][value=no]").check()
    page.get_by_role("button", name="Record the review").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert summary.get_by_role("link").first.get_attribute("href") == "#why_not"
    assert page.locator("input[name=likely][value=no]").is_checked()
    check_page(page, "review-needs-why-not")

    page.locator("#why_not").fill("Nothing changes the shifts that make the mornings hard")
    page.locator("#changes").fill("Ask the employer about fixed shifts")
    page.get_by_role("button", name="Record the review").click()
    page.wait_for_url(f"**/supervision/{formulation_id}#reviews")
    recorded = page.locator("#reviews + table, #reviews ~ table").first.inner_text()
    assert "Nothing changes the shifts that make the mornings hard" in recorded
    assert "Ask the employer about fixed shifts" in recorded
    assert "user:sam-reid" in recorded
    check_page(page, "review-recorded")
