"""A Rethink facilitator's meeting: a Rethink Space recorded with its participants, each one's
view of how big the issue is at the start and at the end (one click each), and whether views
moved closer; in real Chromium against the whole platform."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.browser.arrange import completed_formulation

pytestmark = pytest.mark.integration

HELD = date.today() - timedelta(days=2)
HELD_ON = HELD.isoformat()


def _scores(page, moment: str, scores: list[int | None]) -> None:  # type: ignore[no-untyped-def]
    form = page.locator(f"#{moment}-scores")
    ids = [i.get_attribute("value") for i in form.locator("input[name=participant_ids]").all()]
    assert len(ids) == len(scores)
    for participant_id, score in zip(ids, scores, strict=True):
        if score is not None:
            form.locator(f"input[name='{moment}-{participant_id}'][value='{score}']").check()
    form.get_by_role("button", name=f"Save the {moment} scores").click()
    page.wait_for_load_state()
    assert not page.locator(".govuk-error-summary").count(), page.locator("main").inner_text()


def test_a_facilitator_records_a_meeting_and_measures_alignment(page, system, sign_in, check_page):
    formulation_id = completed_formulation(system, "Nobody agrees how big the worry is")
    # Started from the formulation's page, the meeting is about that formulation.
    sign_in(page, "rethink_facilitator", name="Rae Moss", start=f"/formulations/{formulation_id}")
    page.get_by_role("link", name="Record a meeting about this formulation").click()
    assert page.get_by_role("heading", name="Meetings", level=1).is_visible()
    assert page.locator("#formulation_id").input_value() == formulation_id
    check_page(page, "meetings")

    # The kind of meeting is needed: refused, said beside the field, the date kept.
    page.locator("#held_on").fill(HELD_ON)
    page.get_by_role("button", name="Record the meeting").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert summary.get_by_role("link").first.get_attribute("href") == "#setting"
    assert page.locator("#held_on").input_value() == HELD_ON
    assert page.locator("#formulation_id").input_value() == formulation_id
    check_page(page, "meeting-needs-its-kind")

    page.locator("#setting").select_option("rethink_space")
    page.get_by_role("button", name="Record the meeting").click()
    page.wait_for_url("**/meetings/*")
    assert page.get_by_role("heading", name="Rethink Space", level=1).is_visible()
    assert page.locator(".govuk-caption-l").inner_text() == f"{HELD.day} {HELD:%B %Y}"
    meeting_url = page.url.split("#")[0]
    about = page.get_by_role("link", name="The formulation this meeting is about")
    assert about.get_attribute("href") == f"/formulations/{formulation_id}"

    for role, agency in (("parent_carer", ""), ("young_person", ""), ("school", "school-7")):
        page.locator("#role").select_option(role)
        if agency:
            page.locator("#agency_id").fill(agency)
        page.get_by_role("button", name="Add the participant").click()
        page.wait_for_load_state()
    people = page.locator("#participants + dl").inner_text()
    assert "Parent or carer" in people and "School (school-7)" in people

    # Views far apart at the start; one view at the end is not enough to compare.
    _scores(page, "start", [2, 9, 5])
    _scores(page, "end", [5, None, None])
    page.get_by_role("button", name="Measure the alignment").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    check_page(page, "alignment-needs-two-views")

    _scores(page, "end", [5, 6, 5])
    assert "Start 2, end 5" in page.locator("#participants + dl").inner_text()
    check_page(page, "alignment-scored")
    page.get_by_role("button", name="Measure the alignment").click()
    page.wait_for_load_state()
    panel = page.locator(".govuk-panel")
    assert "Views moved closer" in panel.inner_text()
    assert "from 7 to 1 points" in panel.inner_text()
    # Means are read to one decimal place, not to the float's last digit.
    means = page.locator("table", has_text="At the start").locator("tbody td:last-child")
    assert [m.inner_text() for m in means.all()] == ["5.3", "5.3"]
    # Measured scores are final: no more scoring or participants.
    assert page.locator("#start-scores").count() == 0 and page.locator("#role").count() == 0
    check_page(page, "alignment-measured")

    page.get_by_role("link", name="Meetings").first.click()
    listed = page.locator(f'a[href="{meeting_url.removeprefix(system.staff_url)}"]')
    assert listed.inner_text() == f"Rethink Space on {HELD.day} {HELD:%B %Y}"


def test_a_meeting_is_scored_and_measured_without_javascript(browser, system, sign_in, check_page):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, "rethink_facilitator", name="Rae Moss", start="/meetings")
        page.locator("#setting").select_option("practice_and_progress")
        page.locator("#held_on").fill(HELD_ON)
        page.get_by_role("button", name="Record the meeting").click()
        page.wait_for_url("**/meetings/*")
        for role in ("practitioner", "social_worker"):
            page.locator("#role").select_option(role)
            page.get_by_role("button", name="Add the participant").click()
            page.wait_for_load_state()
        _scores(page, "start", [3, 8])
        _scores(page, "end", [6, 7])
        page.get_by_role("button", name="Measure the alignment").click()
        page.wait_for_load_state()
        assert "Views moved closer" in page.locator(".govuk-panel").inner_text()
        check_page(page, "measured-without-javascript", axe=False)
    finally:
        context.close()
