"""The front door pages in-process: what they send the referrals service and show back."""

from __future__ import annotations

import re

import pytest

from ..conftest import csrf_of

pytestmark = pytest.mark.integration


async def _contact(pages) -> str:
    r = await pages.services["referrals"].client.post(
        "/v1/contacts",
        headers=pages.api("duty_advice"),
        json={"source": "early_help_hub", "cluster_id": "seacroft-manston"},
    )
    return r.json()["contact_id"]


async def test_a_different_person_needs_a_reason_and_nothing_is_registered_without_one(staff_pages):
    pages = staff_pages
    referrals = pages.services["referrals"].client
    duty = pages.api("duty_advice")
    first = (
        await referrals.post(
            "/v1/people",
            headers=duty,
            json={
                "kind": "child",
                "given_name": "Amelia",
                "family_name": "Hart",
                "date_of_birth": "2014-06-12",
                "postcode": "LS14 6AA",
            },
        )
    ).json()["person_id"]
    contact_id = await _contact(pages)
    client = await pages.sign_in("duty_advice", name="Sam")
    page = await client.get(f"/front-door/contacts/{contact_id}/people/find")
    details = {
        "kind": "child",
        "given_name": "Amelia",
        "family_name": "Hart",
        "dob-day": "12",
        "dob-month": "6",
        "dob-year": "2014",
        "postcode": "LS9 8AA",
    }
    screen = await client.post(
        f"/front-door/contacts/{contact_id}/people/register",
        data={**details, "csrf_token": csrf_of(page)},
    )
    assert screen.status_code == 409, screen.text
    assert "Is this the same person?" in screen.text and "LS14 6AA" in screen.text
    refused = await client.post(
        f"/front-door/contacts/{contact_id}/people/register",
        data={
            **details,
            "csrf_token": csrf_of(page),
            "candidate": first,
            f"choice_{first}": "different",
            f"reason_{first}": "",
        },
    )
    assert refused.status_code == 422, refused.text
    assert "govuk-error-summary" in refused.text
    assert f'href="#reason-{first}"' in refused.text
    assert "Say why you are sure this is a different person" in refused.text
    people = await referrals.post(
        "/v1/people/matches",
        headers=duty,
        json={
            "given_name": "Amelia",
            "family_name": "Hart",
            "date_of_birth": "2014-06-12",
            "postcode": "LS9 8AA",
        },
    )
    assert len(people.json()["items"]) == 1, people.text  # nobody registered

    made = await client.post(
        f"/front-door/contacts/{contact_id}/people/register",
        data={
            **details,
            "csrf_token": csrf_of(page),
            "candidate": first,
            f"choice_{first}": "different",
            f"reason_{first}": "Another mother",
        },
    )
    assert made.status_code == 303, made.text
    contact = (await referrals.get(f"/v1/contacts/{contact_id}", headers=duty)).json()
    [child] = contact["child_ids"]
    assert child != first


async def test_the_decision_page_lists_what_is_missing_and_a_refusal_links_each_field(staff_pages):
    pages = staff_pages
    contact_id = await _contact(pages)
    client = await pages.sign_in("duty_advice", name="Sam")
    page = await client.get(f"/front-door/contacts/{contact_id}/decision")
    assert page.status_code == 200
    assert "Identify at least one child" in page.text
    refused = await client.post(
        f"/front-door/contacts/{contact_id}/decision",
        data={
            "csrf_token": csrf_of(page),
            "version": "1",
            "decision_type": "accept_for_res_early_help",
            "rationale": "kept text",
        },
    )
    assert refused.status_code == 422
    assert 'href="#explanation"' in refused.text and 'href="#still-needed"' in refused.text
    assert "kept text" in refused.text


async def test_a_stale_version_shows_someone_else_changed_the_record(staff_pages):
    pages = staff_pages
    contact_id = await _contact(pages)
    client = await pages.sign_in("duty_advice", name="Sam")
    page = await client.get(f"/front-door/contacts/{contact_id}/conversations/new")
    first = await client.post(
        f"/front-door/contacts/{contact_id}/conversations/new",
        data={"csrf_token": csrf_of(page), "version": "1", "summary": "first"},
    )
    assert first.status_code == 303
    stale = await client.post(
        f"/front-door/contacts/{contact_id}/conversations/new",
        data={"csrf_token": csrf_of(page), "version": "1", "summary": "second, from an old page"},
    )
    assert stale.status_code == 409
    assert "Someone else changed this record" in stale.text
    assert re.search(r"Version\s*</dt>\s*<dd[^>]*>\s*2", stale.text)
