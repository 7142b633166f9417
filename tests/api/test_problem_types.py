"""Problem types: one registry per service that the handlers, `GET /problems/{code}` and the
OpenAPI documents all read; the platform's own refusals say what went wrong and where."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from runtime.domain import DomainError
from runtime.fields import today
from runtime.migrations import upgrade
from runtime.openapi import operations
from runtime.problems import STANDARD, ProblemRegistry, ProblemType
from runtime.services import DATA_SERVICES as SERVICES
from runtime.testing import Issuer, platform_settings


def build(name: str, issuer: Issuer, tmp_path) -> FastAPI:  # type: ignore[no-untyped-def]
    entry = SERVICES[name]
    settings = entry.settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / name}.db",
        run_workers=False,
        platform=platform_settings("127.0.0.1:9", issuer),
    )
    app: FastAPI = entry.bootstrap().create_app(settings)
    return app


@pytest.fixture
async def referrals(issuer: Issuer, tmp_path) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    # No lifespan: these requests are all refused before any handler needs the database.
    app = build("referrals", issuer, tmp_path)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://referrals"
    ) as client:
        yield client


def test_a_code_means_one_thing() -> None:
    registry = ProblemRegistry([ProblemType("gone-away", 409, "Gone", "d", "f")])
    with pytest.raises(ValueError, match="gone-away"):
        registry.add(ProblemType("gone-away", 422, "Gone", "d", "f"))


@pytest.mark.parametrize("name", sorted(SERVICES))
async def test_every_problem_type_of_a_service_resolves_to_what_went_wrong_and_how_to_fix_it(
    name: str, issuer: Issuer, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    app = build(name, issuer, tmp_path)
    registry: ProblemRegistry = app.state.problems
    own = [e for e in _domain_errors() if e.__module__.startswith(name + ".")]
    assert own, f"{name} defines no domain rules?"
    assert {e.code for e in own} <= {p.code for p in registry}
    assert {p.code for p in STANDARD} <= {p.code for p in registry}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=f"http://{name}"
    ) as client:
        for problem in registry:
            r = await client.get(problem.uri)
            assert r.status_code == 200, problem.code
            page = r.json()
            assert page["type"] == problem.uri
            assert page["status"] == problem.status
            assert page["title"] == problem.title
            assert page["description"] and page["description"] != "see title"
            assert page["how_to_fix"]
        missing = await client.get("/problems/no-such-problem")
        assert missing.status_code == 404
        assert missing.headers["content-type"] == "application/problem+json"


async def test_decision_incomplete_says_what_went_wrong(referrals: httpx.AsyncClient) -> None:
    page = (await referrals.get("/problems/decision-incomplete")).json()
    assert page["status"] == 422
    assert page["title"] == "The decision needs more information"
    assert "see title" not in page["description"]


async def test_malformed_json_names_the_body_and_where_parsing_stopped(
    referrals: httpx.AsyncClient,
) -> None:
    r = await referrals.post(
        "/v1/contacts",
        content=b'{"source": "early_help_hub",\n "worry": }',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400
    problem = r.json()
    assert problem["type"] == "/problems/malformed-json"
    assert problem["errors"][0]["field"] == "body"
    assert "line 2, column 11" in problem["errors"][0]["message"]


@pytest.mark.parametrize("content_type", [None, "text/plain"])
async def test_a_body_without_the_json_content_type_is_refused_naming_the_header(
    referrals: httpx.AsyncClient, issuer: Issuer, content_type: str | None
) -> None:
    headers = issuer.headers("duty_advice")
    if content_type:
        headers["Content-Type"] = content_type
    r = await referrals.post(
        "/v1/contacts", content=b'{"source": "early_help_hub"}', headers=headers
    )
    assert r.status_code == 415
    problem = r.json()
    assert problem["type"] == "/problems/unsupported-media-type"
    assert problem["errors"][0]["field"] == "Content-Type"


async def test_a_405_allows_every_method_of_the_path(
    referrals: httpx.AsyncClient, issuer: Issuer
) -> None:
    r = await referrals.delete(
        "/v1/people/3fa85f64-5717-4562-b3fc-2c963f66afa6", headers=issuer.headers("admin")
    )
    assert r.status_code == 405
    assert {m.strip() for m in r.headers["allow"].split(",")} == {"GET", "HEAD", "PATCH"}
    assert r.json()["type"] == "/problems/method-not-allowed"


def _domain_errors() -> list[type[DomainError]]:
    found: list[type[DomainError]] = []
    stack = list(DomainError.__subclasses__())
    while stack:
        error = stack.pop()
        found.append(error)
        stack.extend(error.__subclasses__())
    return found


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def test_a_problem_type_is_a_page_for_a_browser(referrals: httpx.AsyncClient) -> None:
    r = await referrals.get("/problems/precondition-failed", headers={"Accept": BROWSER_ACCEPT})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["vary"] == "Accept"
    problem = STANDARD["precondition-failed"]
    page = r.text
    assert "<h1>The record has changed since you read it</h1>" in page
    assert "What went wrong" in page and "How to fix it" in page
    # The registry's words, escaped, with its `code` spans as code.
    assert "send it with If-Match set to the new ETag" in page
    assert "<code>current_etag</code>" in page
    assert problem.uri in page and "412" in page
    assert "http" not in page.split("<body>")[1].replace("HTTP 412", "")  # nothing fetched


@pytest.mark.parametrize("accept", [None, "application/json", "*/*", "text/html;q=0.5, */*"])
async def test_a_problem_type_is_json_for_a_client(
    referrals: httpx.AsyncClient, accept: str | None
) -> None:
    headers = {"Accept": accept} if accept else {}
    r = await referrals.get("/problems/precondition-failed", headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.json() == STANDARD["precondition-failed"].document()


async def test_a_domain_rule_page_says_what_went_wrong_and_how_to_fix_it(
    referrals: httpx.AsyncClient,
) -> None:
    r = await referrals.get("/problems/decision-incomplete", headers={"Accept": BROWSER_ACCEPT})
    assert r.status_code == 200
    assert "<h1>The decision needs more information</h1>" in r.text
    assert "see title" not in r.text


@pytest.fixture
async def running_referrals(issuer: Issuer, tmp_path) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    """Referrals with its database (SQLite, migrated), no workers: for refusals that need a
    handler's dependencies."""
    await asyncio.to_thread(
        upgrade, SERVICES["referrals"].migrations, f"sqlite+aiosqlite:///{tmp_path}/referrals.db"
    )
    app = build("referrals", issuer, tmp_path)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://r") as client,
    ):
        yield client


async def test_a_literal_path_sent_with_another_method_is_405_not_a_bad_parameter(
    running_referrals: httpx.AsyncClient, issuer: Issuer
) -> None:
    # /v1/people/matches is POST only; PATCH must not be read as /v1/people/{person_id}.
    r = await running_referrals.patch(
        "/v1/people/matches", json={}, headers=issuer.headers("admin")
    )
    assert r.status_code == 405
    assert r.headers["allow"] == "POST"
    assert r.json()["type"] == "/problems/method-not-allowed"
    # A method no route of the path has: Allow names the literal path's, not its neighbour's.
    r = await running_referrals.options("/v1/people/matches", headers=issuer.headers("admin"))
    assert r.status_code == 405
    assert r.headers["allow"] == "POST"
    # A malformed id of the parameter route itself is still named as such.
    r = await running_referrals.get("/v1/people/not-a-uuid", headers=issuer.headers("admin"))
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "person_id"


async def test_an_empty_idempotency_key_is_refused_and_changes_nothing(
    running_referrals: httpx.AsyncClient, issuer: Issuer
) -> None:
    headers = {**issuer.headers("duty_advice"), "Idempotency-Key": ""}
    r = await running_referrals.post(
        "/v1/contacts", json={"source": "early_help_hub"}, headers=headers
    )
    assert r.status_code == 400
    assert r.json()["type"] == "/problems/bad-request"
    assert "Idempotency-Key" in r.json()["detail"]
    listed = await running_referrals.get("/v1/contacts", headers=issuer.headers("duty_advice"))
    assert listed.json()["items"] == []


@pytest.mark.parametrize("since", ["0.5", "0", "2026-01-15", "2026-01-15T10:00:00"])
async def test_a_time_parameter_takes_rfc_3339_only(
    running_referrals: httpx.AsyncClient, issuer: Issuer, since: str
) -> None:
    r = await running_referrals.get(
        "/v1/audit/refusals", params={"since": since}, headers=issuer.headers("admin")
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "since"
    ok = await running_referrals.get(
        "/v1/audit/refusals",
        params={"since": "2026-01-15T10:00:00Z"},
        headers=issuer.headers("admin"),
    )
    assert ok.status_code == 200


async def test_a_future_practice_date_is_refused_as_the_rule_not_as_a_malformed_request(
    running_referrals: httpx.AsyncClient, issuer: Issuer
) -> None:
    tomorrow = (today() + timedelta(days=1)).isoformat()
    r = await running_referrals.post(
        "/v1/contacts",
        json={"source": "early_help_hub", "opened_on": tomorrow},
        headers=issuer.headers("duty_advice"),
    )
    assert r.status_code == 422
    problem = r.json()
    assert problem["type"] == "/problems/invalid-practice-date"
    assert problem["errors"] == [{"field": "opened_on", "message": f"{tomorrow} is in the future"}]
    assert not STANDARD["invalid-practice-date"].malformed_request
    listed = await running_referrals.get("/v1/contacts", headers=issuer.headers("duty_advice"))
    assert listed.json()["items"] == []


async def test_a_future_practice_date_beside_a_malformed_field_is_a_malformed_request(
    running_referrals: httpx.AsyncClient, issuer: Issuer
) -> None:
    tomorrow = (today() + timedelta(days=1)).isoformat()
    r = await running_referrals.post(
        "/v1/contacts",
        json={"source": "no-such-source", "opened_on": tomorrow},
        headers=issuer.headers("duty_advice"),
    )
    assert r.status_code == 422
    assert r.json()["type"] == "/problems/validation-error"
    assert {e["field"] for e in r.json()["errors"]} == {"source", "opened_on"}


def _valid_value(document: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A value a required parameter takes: its first choice (of its items, for a list)."""
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if schema.get("type") == "array":
        return [_valid_value(document, schema["items"])]
    if "enum" in schema:
        return schema["enum"][0]
    raise AssertionError(f"no valid value known for a required parameter of schema {schema}")


def _date_parameters(
    document: dict[str, Any],
) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(path, parameter, format, the read's other required parameters with valid values) of
    every date or time query parameter of a read."""
    found = []
    for path, method, operation in operations(document):
        if method != "get" or "{" in path:
            continue
        parameters = operation.get("parameters", [])
        required = {
            p["name"]: _valid_value(document, p["schema"]) for p in parameters if p.get("required")
        }
        for parameter in parameters:
            schema = parameter.get("schema", {})
            formats = {s.get("format") for s in [schema, *schema.get("anyOf", [])]}
            for kind in formats & {"date", "date-time"}:
                found.append((path, parameter["name"], kind, required))
    return found


@pytest.mark.parametrize("name", sorted(SERVICES))
async def test_every_date_or_time_parameter_takes_only_its_iso_form(
    name: str, issuer: Issuer, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite+aiosqlite:///{tmp_path / name}.db"
    await asyncio.to_thread(upgrade, SERVICES[name].migrations, url)
    app = build(name, issuer, tmp_path)
    wanted = _date_parameters(app.openapi())
    assert wanted, "no date parameter found?"  # /v1/audit/refusals has one everywhere
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s") as client,
    ):
        for path, parameter, kind, required in wanted:
            for value in ("0", "0.5", "20260115"):
                r = await client.get(
                    path, params={**required, parameter: value}, headers=issuer.headers("admin")
                )
                assert r.status_code == 422, (path, parameter, value, r.text)
                assert [e["field"] for e in r.json()["errors"]] == [parameter]
            good = "2026-01-15" if kind == "date" else "2026-01-15T10:00:00Z"
            r = await client.get(
                path, params={**required, parameter: good}, headers=issuer.headers("admin")
            )
            assert r.status_code == 200, (path, parameter, r.text)
