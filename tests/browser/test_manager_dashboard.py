"""Journey 5: a RES manager reads the outcomes dashboard filtered by cluster, in real Chromium
against the whole platform; the figures come from the outcomes API, charts are pictures with a
text alternative and a table, and each table downloads as CSV."""

from __future__ import annotations

import csv
import io
import re

import httpx
import pytest

from tests.browser.arrange import add_worker, allocate_family, eventually

pytestmark = pytest.mark.integration

CLUSTER, TEAM = "armley-farnley", "res-armley-farnley"
OTHER_CLUSTER, OTHER_TEAM = "bcm", "res-bcm"


def how_much(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    rows = page.locator("#how-much tbody tr")
    return {
        rows.nth(i).locator("th").inner_text(): rows.nth(i).locator("td").inner_text()
        for i in range(rows.count())
    }


def test_a_manager_reads_the_dashboard_filtered_by_cluster(page, system, sign_in, check_page):
    add_worker(system, TEAM, "fsw-af-1", "Ali Khan")
    add_worker(system, OTHER_TEAM, "fsw-bcm-1", "Bo Chen")
    for _ in range(2):
        allocate_family(system, TEAM, CLUSTER)
    allocate_family(system, OTHER_TEAM, OTHER_CLUSTER)

    sign_in(page, "res_manager", name="Morgan Lee", team=TEAM, start="/dashboard")
    assert page.get_by_role("heading", name="Outcomes dashboard", level=1).is_visible()

    def filtered() -> bool:
        page.goto(system.staff_url + "/dashboard")
        page.get_by_label("Cluster").select_option(CLUSTER)
        page.get_by_role("button", name="Apply filters").click()
        page.wait_for_url(re.compile(r"cluster_id=armley-farnley"))
        figures = how_much(page)
        return figures["Contacts received"] == "2" and figures["Families allocated to RES"] == "2"

    eventually(filtered, timeout=90)
    assert "cluster RES Armley & Farnley" in page.locator(".govuk-inset-text").first.inner_text()
    chart = page.get_by_role("img", name=re.compile(r"^Run chart: Contacts received, by month"))
    assert chart.count() == 1
    assert chart.get_attribute("src").startswith("data:image/svg+xml;base64,")
    page.get_by_text("Figures for contacts received").click()  # the chart's figures as a table
    assert page.locator("#run-chart-contacts").is_visible()
    assert page.get_by_role("heading", name="Definitions").is_visible()
    assert "Live plans on" in page.locator("#intervention").inner_text()
    check_page(page, "dashboard-filtered-by-cluster")

    # Another cluster's figures are its own.
    page.get_by_label("Cluster").select_option(OTHER_CLUSTER)
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"cluster_id=bcm"))
    assert how_much(page)["Contacts received"] == "1"

    # The download is the table on the page, for the same filters.
    link = page.get_by_role("link", name="Download ‘How much did we do?’ as CSV")
    href = link.get_attribute("href")
    assert href == "/dashboard/how-much.csv?cluster_id=bcm"
    cookies = {c["name"]: c["value"] for c in page.context.cookies(system.staff_url)}
    with httpx.Client(base_url=system.staff_url, cookies=cookies) as client:
        download = client.get(href)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert 'filename="how-much.csv"' in download.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0] == ["Measure", "Value"] and ["Contacts received", "1"] in rows

    # A filter the person got wrong is named and linked, with what they typed kept.
    page.goto(system.staff_url + "/dashboard?from=2026-02-30&cluster_id=bcm")
    summary = page.locator(".govuk-error-summary")
    assert summary.get_by_role("link", name=re.compile("From must be a real date")).is_visible()
    assert page.get_by_label("Cluster").input_value() == "bcm"
    check_page(page, "dashboard-filter-error")


def test_the_outcomes_service_serves_no_page_of_its_own(system):
    with system.api("outcomes", "bi_analyst") as outcomes:
        assert outcomes.get("/v1/dashboard").status_code == 404
        assert outcomes.get("/v1/scorecard").status_code == 200
