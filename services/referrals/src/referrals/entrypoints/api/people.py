"""People and families: children and adults registered once, and grouped into families.

Registering someone who may already be registered answers 409 with the candidates side by side;
the worker re-submits with `confirmed_distinct_from` or uses the existing record. Nothing is
ever merged silently. Other services know people and families by id only.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime
from typing import Annotated

from contracts.reference.referrals import PersonKind, RelationshipKind
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field
from runtime import audit
from runtime.app import get_db
from runtime.concurrency import require_if_match, set_etag
from runtime.db import Database, utcnow
from runtime.identity import Principal
from runtime.security import principal

from referrals.adapters.repository import Repositories
from referrals.domain.errors import PersonAlreadyRegistered, PossibleDuplicatePerson
from referrals.domain.identifiers import PersonDetails
from referrals.domain.people import Family, Person
from referrals.entrypoints.api.access import (
    audit_reads,
    ensure_can_see_family,
    ensure_can_see_person,
    get_referrals_uow,
)
from referrals.entrypoints.api.fields import DateOfBirth, ShortText, Strict
from referrals.service_layer import people as use_cases
from referrals.service_layer.unit_of_work import ReferralsUnitOfWork

router = APIRouter(tags=["people and families"])

NhsNumber = Annotated[str, Field(min_length=10, max_length=14, description="10 digits")]
Postcode = Annotated[str, Field(min_length=5, max_length=10)]
MAX_MEMBERS = 30
MAX_RELATIONSHIPS = 60


# -- requests ----------------------------------------------------------------------------------


class PersonDetailsRequest(Strict):
    given_name: ShortText | None = None
    family_name: ShortText | None = None
    date_of_birth: DateOfBirth | None = None
    nhs_number: NhsNumber | None = None
    address_lines: list[ShortText] = Field(default_factory=list, max_length=6)
    postcode: Postcode | None = None
    school: ShortText | None = None

    def details(self) -> PersonDetails:
        return PersonDetails(
            given_name=self.given_name,
            family_name=self.family_name,
            date_of_birth=self.date_of_birth,
            nhs_number=self.nhs_number,
            address_lines=tuple(self.address_lines),
            postcode=self.postcode,
            school=self.school,
        )


class DistinctFromRequest(Strict):
    person_id: uuid.UUID
    # Bounded here; a blank reason is refused by the domain rule, which says what is needed.
    reason: Annotated[str, Field(max_length=4000)] = Field(
        description="why the worker is sure this is someone else"
    )


class RegisterPersonRequest(PersonDetailsRequest):
    kind: PersonKind
    confirmed_distinct_from: list[DistinctFromRequest] = Field(
        default_factory=list,
        max_length=20,
        description="near matches the worker has checked are someone else, each with the reason",
    )


class UpdatePersonRequest(Strict):
    """JSON merge patch: a field given replaces the current value; null clears it."""

    kind: PersonKind | None = None
    given_name: ShortText | None = None
    family_name: ShortText | None = None
    date_of_birth: DateOfBirth | None = None
    nhs_number: NhsNumber | None = None
    address_lines: list[ShortText] | None = Field(None, max_length=6)
    postcode: Postcode | None = None
    school: ShortText | None = None

    def merged(self, current: PersonDetails) -> PersonDetails:
        given = self.model_dump(include=self.model_fields_set - {"kind"})
        if "address_lines" in given:
            given["address_lines"] = tuple(given["address_lines"] or ())
        return replace(current, **given)


class RelationshipRequest(Strict):
    person_id: uuid.UUID
    related_person_id: uuid.UUID
    kind: RelationshipKind = Field(description="person_id is <kind> of related_person_id")

    def spec(self) -> use_cases.RelationshipSpec:
        return use_cases.RelationshipSpec(self.person_id, self.related_person_id, self.kind)


class FormFamilyRequest(Strict):
    member_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_MEMBERS)
    relationships: list[RelationshipRequest] = Field(
        default_factory=list, max_length=MAX_RELATIONSHIPS
    )


class ChangeFamilyRequest(Strict):
    add_member_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_MEMBERS)
    remove_member_ids: list[uuid.UUID] = Field(default_factory=list, max_length=MAX_MEMBERS)
    relationships: list[RelationshipRequest] = Field(
        default_factory=list, max_length=MAX_RELATIONSHIPS
    )


# -- responses ---------------------------------------------------------------------------------


class DistinctFromResponse(BaseModel):
    person_id: uuid.UUID
    reason: str
    confirmed_by: str | None
    confirmed_at: datetime


class PersonResponse(BaseModel):
    person_id: uuid.UUID
    kind: PersonKind
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    nhs_number: str | None
    address_lines: list[str]
    postcode: str | None
    school: str | None
    registered_at: datetime
    updated_at: datetime
    distinct_from: list[DistinctFromResponse]
    version: int


class MatchedPersonResponse(BaseModel):
    person_id: uuid.UUID
    kind: PersonKind
    given_name: str | None
    family_name: str | None
    date_of_birth: date | None
    postcode: str | None
    school: str | None
    has_nhs_number: bool


class MatchResponse(BaseModel):
    person: MatchedPersonResponse
    strength: str
    score: float
    reasons: list[str]


class MatchesResponse(BaseModel):
    items: list[MatchResponse]


class MemberResponse(BaseModel):
    person_id: uuid.UUID
    kind: PersonKind


class RelationshipResponse(BaseModel):
    person_id: uuid.UUID
    related_person_id: uuid.UUID
    kind: RelationshipKind


class FamilyResponse(BaseModel):
    family_id: uuid.UUID
    members: list[MemberResponse]
    relationships: list[RelationshipResponse]
    formed_at: datetime
    version: int


def person_response(person: Person, version: int) -> PersonResponse:
    d = person.details
    return PersonResponse(
        person_id=person.person_id,
        kind=person.kind,
        given_name=d.given_name,
        family_name=d.family_name,
        date_of_birth=d.date_of_birth,
        nhs_number=d.nhs_number,
        address_lines=list(d.address_lines),
        postcode=d.postcode,
        school=d.school,
        registered_at=person.registered_at,
        updated_at=person.updated_at,
        distinct_from=[
            DistinctFromResponse(
                person_id=d.person_id,
                reason=d.reason,
                confirmed_by=d.confirmed_by,
                confirmed_at=d.confirmed_at,
            )
            for d in person.distinct_from
        ],
        version=version,
    )


def family_response(family: Family, version: int) -> FamilyResponse:
    return FamilyResponse(
        family_id=family.family_id,
        members=[
            MemberResponse(person_id=p, kind=k)
            for p, k in sorted(family.members.items(), key=lambda item: str(item[0]))
        ],
        relationships=[
            RelationshipResponse(
                person_id=r.person_id, related_person_id=r.related_person_id, kind=r.kind
            )
            for r in family.relationships
        ],
        formed_at=family.formed_at,
        version=version,
    )


# -- people ------------------------------------------------------------------------------------


@router.post(
    "/v1/people",
    status_code=201,
    summary="Register a child or adult once (409 lists possible matches to confirm)",
)
async def register_person(
    body: RegisterPersonRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: ReferralsUnitOfWork = Depends(get_referrals_uow),
) -> PersonResponse:
    cmd = use_cases.RegisterPerson(
        body.kind,
        body.details(),
        {d.person_id: d.reason for d in body.confirmed_distinct_from},
        confirmed_by=caller.subject,
    )
    try:
        async with uow:
            person = await use_cases.register(cmd, uow, utcnow())
            await audit.record(
                uow.session,
                uow.tables,
                request,
                caller,
                "create",
                "person",
                person.person_id,
                person_id=person.person_id,
                status=201,
            )
            await uow.commit()
    except (PossibleDuplicatePerson, PersonAlreadyRegistered) as refused:
        # The answer shows who is already registered: a read of each, in their trail (written
        # after the refused registration's transaction has ended).
        shown = [m["person_id"] for m in refused.extra.get("matches", [])]
        shown += [refused.extra["person_id"]] if "person_id" in refused.extra else []
        await audit_reads(
            request.app.state.db,
            request,
            caller,
            "person",
            ((p, None, p) for p in shown),
            status=refused.status,
        )
        raise
    response.headers["Location"] = f"/v1/people/{person.person_id}"
    set_etag(response, 1)
    return person_response(person, 1)


@router.post(
    "/v1/people/matches",
    summary="Find registered people who may be this person, without registering anyone",
)
async def find_matches(
    body: PersonDetailsRequest,
    request: Request,
    caller: Principal = Depends(principal),
    db: Database = Depends(get_db),
) -> MatchesResponse:
    details = body.details()
    async with db.sessions() as session:
        found = await use_cases.matches_for(Repositories(session), details)
    await audit_reads(
        db, request, caller, "person", ((p.person_id, None, p.person_id) for _, p in found)
    )
    return MatchesResponse(
        items=[
            MatchResponse(
                person=MatchedPersonResponse.model_validate(use_cases.person_summary(p)),
                strength=m.strength.value,
                score=round(m.score, 2),
                reasons=list(m.reasons),
            )
            for m, p in found
        ]
    )


@router.get("/v1/people/{person_id}", summary="Read a person")
async def read_person(
    person_id: uuid.UUID,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    db: Database = Depends(get_db),
) -> PersonResponse:
    async with db.sessions() as session:
        repos = Repositories(session)
        await ensure_can_see_person(session, caller, person_id)
        person = await use_cases.get_person(repos, person_id)
    version = repos.people.revisions[person_id]
    await audit.record_read(
        db, request.app.state.tables, request, caller, "person", person_id, person_id=person_id
    )
    set_etag(response, version)
    return person_response(person, version)


@router.patch("/v1/people/{person_id}", summary="Correct a person's identifiers (If-Match)")
async def update_person(
    person_id: uuid.UUID,
    body: UpdatePersonRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: ReferralsUnitOfWork = Depends(get_referrals_uow),
) -> PersonResponse:
    async with uow:
        current = await use_cases.get_person(uow.repos, person_id)
        require_if_match(request, uow.repos.people.revisions[person_id])
        cmd = use_cases.UpdatePerson(person_id, body.merged(current.details), body.kind)
        person = await use_cases.update_person(cmd, uow, utcnow())
        await audit.record(
            uow.session,
            uow.tables,
            request,
            caller,
            "update",
            "person",
            person_id,
            person_id=person_id,
        )
        await uow.commit()
    version = uow.repos.people.revisions[person_id]
    set_etag(response, version)
    return person_response(person, version)


# -- families ----------------------------------------------------------------------------------


@router.post("/v1/families", status_code=201, summary="Group registered people into a family")
async def form_family(
    body: FormFamilyRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: ReferralsUnitOfWork = Depends(get_referrals_uow),
) -> FamilyResponse:
    cmd = use_cases.FormFamily(tuple(body.member_ids), tuple(r.spec() for r in body.relationships))
    async with uow:
        family = await use_cases.form_family(cmd, uow, utcnow())
        await audit.record(
            uow.session,
            uow.tables,
            request,
            caller,
            "create",
            "family",
            family.family_id,
            family_id=family.family_id,
            status=201,
        )
        await uow.commit()
    response.headers["Location"] = f"/v1/families/{family.family_id}"
    set_etag(response, 1)
    return family_response(family, 1)


@router.get("/v1/families/{family_id}", summary="Read a family")
async def read_family(
    family_id: uuid.UUID,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    db: Database = Depends(get_db),
) -> FamilyResponse:
    async with db.sessions() as session:
        repos = Repositories(session)
        await ensure_can_see_family(session, caller, family_id)
        family = await use_cases.get_family(repos, family_id)
    version = repos.families.revisions[family_id]
    await audit.record_read(
        db, request.app.state.tables, request, caller, "family", family_id, family_id=family_id
    )
    set_etag(response, version)
    return family_response(family, version)


@router.patch(
    "/v1/families/{family_id}",
    summary="Add or remove members and record relationships (If-Match)",
)
async def change_family(
    family_id: uuid.UUID,
    body: ChangeFamilyRequest,
    request: Request,
    response: Response,
    caller: Principal = Depends(principal),
    uow: ReferralsUnitOfWork = Depends(get_referrals_uow),
) -> FamilyResponse:
    async with uow:
        await use_cases.get_family(uow.repos, family_id)
        require_if_match(request, uow.repos.families.revisions[family_id])
        cmd = use_cases.ChangeFamily(
            family_id,
            tuple(body.add_member_ids),
            tuple(body.remove_member_ids),
            tuple(r.spec() for r in body.relationships),
        )
        family = await use_cases.change_family(cmd, uow, utcnow())
        await audit.record(
            uow.session,
            uow.tables,
            request,
            caller,
            "update",
            "family",
            family_id,
            family_id=family_id,
        )
        await uow.commit()
    version = uow.repos.families.revisions[family_id]
    set_etag(response, version)
    return family_response(family, version)
