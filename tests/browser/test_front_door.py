"""Duty and Advice in real Chromium against the whole platform: from a phone call to a RES
allocation with one lead worker, through a possible-match decision and a decision refused for
what it still needs; and partner users who see only their own referrals."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.integration

TEAM = "res-seacroft-manston"


def _arrange_team_and_a_registered_child(system, family_name: str) -> str:
    worker_id = f"fsw-{uuid.uuid4().hex[:6]}"
    with system.api("referrals", "res_manager", team=TEAM) as manager:
        r = manager.post(
            f"/v1/teams/{TEAM}/workers",
            json={
                "worker_id": worker_id,
                "role": "family_support_worker",
                "display_name": "Jo Dale",
            },
        )
        assert r.status_code == 201, r.text
    with system.api("referrals", "duty_advice") as duty:
        r = duty.post(
            "/v1/people",
            json={
                "kind": "child",
                "given_name": "Amelia",
                "family_name": family_name,
                "date_of_birth": "2014-06-12",
                "postcode": "LS14 6AA",
            },
        )
        assert r.status_code == 201, r.text
    return worker_id


def test_duty_and_advice_from_a_phone_call_to_a_res_allocation(page, system, sign_in, check_page):
    family_name = f"Hart{uuid.uuid4().hex[:4]}"
    worker_id = _arrange_team_and_a_registered_child(system, family_name)

    sign_in(page, "duty_advice", name="Sam Taylor", start="/front-door")
    expect(page.get_by_role("heading", name="Contacts")).to_be_visible()
    check_page(page, "queue")

    # The phone call: it starts from what the caller says.
    page.get_by_role("button", name="New contact").click()
    page.get_by_label("What is the caller telling you?").fill(
        "Mum says mornings are a battle and Amelia has missed most Mondays since Easter."
    )
    page.get_by_label("Their name").fill("Sarah " + family_name)
    page.get_by_label("How the contact came in").select_option("parent_or_carer")
    page.get_by_label("The family's cluster").select_option("seacroft-manston")
    check_page(page, "new-contact")
    page.get_by_role("button", name="Open the contact").click()
    expect(page.get_by_text("Contact opened", exact=True)).to_be_visible()
    contact_url = page.url.split("?")[0]
    check_page(page, "contact-opened")

    # A dated conversation entry.
    page.get_by_role("button", name="Add a conversation").click()
    page.get_by_label("What was said").fill("Spoke with the school: Mondays are the pattern.")
    page.get_by_label("Soon").check()
    check_page(page, "conversation")
    page.get_by_role("button", name="Add the conversation").click()
    expect(page.get_by_text("Conversation added")).to_be_visible()
    expect(page.get_by_text("Spoke with the school: Mondays are the pattern.")).to_be_visible()

    # Deciding now is refused, listing what the decision still needs.
    page.get_by_role("button", name="Decide").click()
    needs = page.locator("#still-needed + p + dl")
    assert "Identify at least one child" in needs.inner_text()
    check_page(page, "decision-needs")
    page.get_by_label("Accept for RES: early help").check()
    page.get_by_label("Why this decision").fill("Mornings have broken down.")
    page.get_by_label("Explanation for the referrer").fill("RES will work with you.")
    page.get_by_role("button", name="Record the decision").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    text = summary.inner_text()
    assert "Identify at least one child" in text and "Record the family" in text
    assert "consent" in text.lower()
    # The input is kept.
    assert page.get_by_label("Why this decision").input_value() == "Mornings have broken down."
    check_page(page, "decision-refused")
    page.goto(contact_url)

    # Registering Amelia finds a near match: the worker says it is someone else, with a reason.
    page.get_by_role("button", name="Find or register a child").click()
    page.get_by_label("Given name").fill("Amelia")
    page.get_by_label("Family name").fill(family_name)
    page.get_by_label("Day").fill("12")
    page.get_by_label("Month").fill("6")
    page.get_by_label("Year").fill("2014")
    page.get_by_label("Postcode").fill("LS9 8AA")
    check_page(page, "find-person")
    page.get_by_role("button", name="Look for this person").click()
    check_page(page, "matches")
    assert page.get_by_role("button", name=re.compile("Use this record of")).count() == 1
    page.get_by_role("button", name=re.compile("as a new person")).click()
    expect(page.get_by_role("heading", name="Is this the same person?")).to_be_visible()
    expect(page.get_by_text("Already registered")).to_be_visible()
    check_page(page, "possible-match")
    page.get_by_label("No, this is a different person").check()
    page.get_by_role("button", name="Continue").click()
    assert (
        "Say why you are sure this is a different person"
        in page.locator(".govuk-error-summary").inner_text()
    )
    check_page(page, "possible-match-needs-a-reason")
    page.get_by_label("No, this is a different person").check()
    page.get_by_label("If different: why are you sure this is a different person?").fill(
        "A different Amelia: another mother and school, checked with the school."
    )
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("registered and added")).to_be_visible()
    expect(page.get_by_text(f"Amelia {family_name} (child")).to_be_visible()

    # Her mother, then the family, then consent.
    page.get_by_role("button", name="Find or register an adult").click()
    page.get_by_label("Given name").fill("Sarah")
    page.get_by_label("Family name").fill(family_name)
    page.get_by_role("button", name="Look for this person").click()
    page.get_by_role("button", name=re.compile("as a new person")).click()
    expect(page.get_by_text(f"Sarah {family_name} registered and added")).to_be_visible()
    page.get_by_role("button", name="Record these people as the family").click()
    expect(page.get_by_text("Family recorded")).to_be_visible()
    page.get_by_role("button", name="Add a conversation").click()
    page.get_by_label("The family agreed").check()
    page.get_by_label("The Rethink team").check()
    page.get_by_label("Group supervision").check()
    page.get_by_label("What the family knows and has agreed to").fill("Mum agrees to RES support.")
    page.get_by_role("button", name="Add the conversation").click()

    # The decision: nothing more needed, the team has room, one lead worker.
    page.get_by_role("button", name="Decide").click()
    assert "Jo Dale" in page.locator("#capacity + p + table").inner_text()
    check_page(page, "decision-ready")
    page.get_by_label("Accept for RES: early help").check()
    page.get_by_label("Lead worker, for a RES acceptance").select_option(worker_id)
    page.get_by_label("Why this decision").fill(
        "Mornings have broken down; the cluster offer was tried."
    )
    page.get_by_label("Explanation for the referrer").fill(
        "RES Seacroft & Manston will work with Amelia and her mum."
    )
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("Decision recorded")).to_be_visible()
    allocation = page.locator("#allocation").inner_text()
    assert "RES Seacroft & Manston" in allocation and "Jo Dale" in allocation
    check_page(page, "allocated")

    contact_id = contact_url.rsplit("/", 1)[-1]
    with system.api("referrals", "duty_advice") as duty:
        contact = duty.get(f"/v1/contacts/{contact_id}").json()
        assert contact["status"] == "decided" and contact["team_id"] == TEAM
        allocations = duty.get("/v1/allocations", params={"family_id": contact["family_id"]}).json()
        [only] = allocations["items"]
        assert only["lead_worker_id"] == worker_id
        [child_id] = contact["child_ids"]
        child = duty.get(f"/v1/people/{child_id}").json()
        [distinct] = child["distinct_from"]
        assert distinct["reason"].startswith("A different Amelia")


def test_no_room_in_the_team_says_so_and_offers_the_other_routes(page, system, sign_in, check_page):
    with system.api("referrals", "duty_advice") as duty:
        contact = duty.post(
            "/v1/contacts", json={"source": "early_help_hub", "cluster_id": "armley-farnley"}
        ).json()
    sign_in(
        page,
        "duty_advice",
        name="Sam Taylor",
        start=f"/front-door/contacts/{contact['contact_id']}/decision",
    )
    warning = page.locator("#no-room").inner_text()
    assert "Nobody in RES Armley & Farnley has room" in warning
    assert "no waiting list" in warning
    assert "Signpost to cluster / early help services" in warning
    check_page(page, "no-room")


def test_a_partner_sees_only_their_own_referrals(page, system, sign_in, check_page):
    agency, other = f"school-{uuid.uuid4().hex[:5]}", f"school-{uuid.uuid4().hex[:5]}"
    with system.api("referrals", "partner", agency=other) as other_school:
        theirs = other_school.post(
            "/v1/contacts",
            json={
                "source": "school_via_cluster",
                "cluster_id": "inner-east",
                "worry": "Not yours to read.",
            },
        ).json()["contact_id"]

    sign_in(page, "partner", name="Ms Jones", agency=agency, start="/referrals")
    expect(page.get_by_text("Your agency has made no referrals yet.")).to_be_visible()
    check_page(page, "no-referrals")
    page.get_by_role("button", name="Make a referral").click()
    page.get_by_label("What worries you").fill(
        "Amelia has missed school most Mondays since Easter."
    )
    page.get_by_label("School, through its cluster's Targeted Services Leader").check()
    page.get_by_label("The family's cluster").select_option("inner-east")
    page.get_by_label("Your name").fill("Ms Jones")
    check_page(page, "make-a-referral")
    page.get_by_role("button", name="Send the referral").click()
    expect(page.get_by_text("Referral sent")).to_be_visible()
    mine = page.url.split("?")[0].rsplit("/", 1)[-1]
    check_page(page, "referral-sent")

    # The Front Door decides; the school reads the explanation, and nothing internal.
    with system.api("referrals", "duty_advice") as duty:
        version = duty.get(f"/v1/contacts/{mine}").json()["version"]
        r = duty.post(
            f"/v1/contacts/{mine}/decision",
            headers={"If-Match": f'"{version}"'},
            json={
                "decision_type": "no_further_action",
                "rationale": "Internal: the attendance team has it.",
                "explanation_for_referrer": "The attendance team will meet mum this week.",
            },
        )
        assert r.status_code == 201, r.text
    page.goto(f"{system.staff_url}/referrals")
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    rows.get_by_role("link").click()
    expect(page.get_by_text("The attendance team will meet mum this week.")).to_be_visible()
    assert "Internal" not in page.content()
    check_page(page, "decided-referral")

    # Another agency's referral is not found: as if it did not exist.
    response = page.goto(f"{system.staff_url}/referrals/{theirs}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    assert "Not yours to read." not in page.content()
    check_page(page, "other-agency-not-found")


def test_the_pages_work_without_javascript(browser, system, sign_in, check_page):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(
            page,
            "partner",
            name="Ms Jones",
            agency=f"school-{uuid.uuid4().hex[:5]}",
            start="/referrals/new",
        )
        page.get_by_label("What worries you").fill("Mornings are hard at home.")
        page.get_by_label("School, through its cluster's Targeted Services Leader").check()
        page.get_by_role("button", name="Send the referral").click()
        expect(page.get_by_text("Referral sent")).to_be_visible()
        check_page(page, "sent-without-javascript", axe=False)
        page.get_by_role("link", name="Back to your referrals").click()
        expect(page.locator("tbody tr")).to_have_count(1)
    finally:
        context.close()
