"""The contact list's date filters go by the day the request for help was made (its practice
date), not the day it was typed in: a call written up years later is found in its own month."""

from __future__ import annotations

from datetime import date

import pytest
from runtime.testing import run_service

pytestmark = pytest.mark.integration


async def test_contacts_are_found_by_the_day_they_were_made(broker, databases, issuer):
    duty = issuer.headers("duty_advice")
    async with run_service(
        "referrals", await databases.new("referrals"), broker.bootstrap, issuer
    ) as referrals:
        api = referrals.client
        made = {}
        for on in ("2017-06-12", "2017-07-03", None):
            body = {"source": "duty_and_advice", **({"opened_on": on} if on else {})}
            r = await api.post("/v1/contacts", json=body, headers=duty)
            assert r.status_code == 201, r.text
            made[on] = r.json()["contact_id"]

        async def found(**params: str) -> list[str]:
            r = await api.get("/v1/contacts", params=params, headers=duty)
            assert r.status_code == 200, r.text
            return [c["contact_id"] for c in r.json()["items"]]

        assert await found(opened_from="2017-06-01", opened_to="2017-06-30") == [made["2017-06-12"]]
        assert await found(opened_to="2017-12-31") == [made["2017-07-03"], made["2017-06-12"]]
        assert await found(opened_from=date.today().isoformat()) == [made[None]]
