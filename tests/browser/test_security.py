"""The staff pages' guards, in real Chromium against the whole platform."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.integration


def test_a_page_without_a_session_sends_the_browser_to_sign_in(page, system, check_page):
    page.goto(system.staff_url + "/")
    page.wait_for_url(re.compile(re.escape(system.issuer_url) + "/authorize"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    check_page(page, "sign-in")


def test_a_signed_in_worker_sees_their_name_role_and_sections(page, system, sign_in, check_page):
    sign_in(page, "duty_advice", name="Sam Taylor")
    header = page.locator("#signed-in-as")
    assert "Sam Taylor" in header.inner_text() and "Duty and Advice" in header.inner_text()
    expect(
        page.get_by_role("navigation", name="Sections").get_by_role("link", name="Front door")
    ).to_be_visible()
    check_page(page, "start")


def test_a_tampered_session_cookie_is_refused(page, system, sign_in):
    sign_in(page, "admin", name="Ada")
    context = page.context
    cookie = next(c for c in context.cookies() if c["name"] == "lpm_staff_session")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"
    value = cookie["value"]
    tampered = value[:20] + ("A" if value[20] != "A" else "B") + value[21:]
    context.clear_cookies()
    context.add_cookies([{**cookie, "value": tampered}])
    page.goto(system.staff_url + "/")
    page.wait_for_url(re.compile(re.escape(system.issuer_url) + "/authorize"))
    assert "lpm_staff_session" not in {c["name"] for c in context.cookies(system.staff_url)}


def test_a_form_posted_without_the_csrf_token_is_refused(page, system, sign_in):
    sign_in(page, "admin", name="Ada")
    cookies = {c["name"]: c["value"] for c in page.context.cookies(system.staff_url)}
    with httpx.Client(base_url=system.staff_url, cookies=cookies) as client:
        refused = client.post("/sign-out", data={})
        assert refused.status_code == 403
        assert "This form was not accepted" in refused.text
        wrong = client.post("/sign-out", data={"csrf_token": "not-the-sessions-token"})
        assert wrong.status_code == 403
        still = client.get("/")
        assert still.status_code == 200  # nothing happened: still signed in


def test_sign_out_ends_the_session(page, system, sign_in):
    sign_in(page, "admin", name="Ada")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(re.escape(system.staff_url) + "/signed-out"))
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible()
    page.goto(system.staff_url + "/")
    page.wait_for_url(re.compile(re.escape(system.issuer_url) + "/authorize"))


def test_the_sign_in_form_posted_without_its_csrf_token_is_refused(page, system, check_page):
    page.goto(system.staff_url + "/")
    page.wait_for_url(re.compile(re.escape(system.issuer_url) + "/authorize"))
    page.locator("input[name=role][value=admin]").check()
    page.evaluate("document.querySelector('input[name=csrf_token]').remove()")
    with page.expect_response(re.compile(re.escape(system.issuer_url) + "/authorize")) as sent:
        page.get_by_role("button", name="Sign in").click()
    assert sent.value.status == 403
    expect(page.get_by_role("heading", name="Sign-in refused")).to_be_visible()
    check_page(page, "sign-in-refused")
    # No code came back: the staff pages still have no session.
    assert "lpm_staff_session" not in {c["name"] for c in page.context.cookies(system.staff_url)}
