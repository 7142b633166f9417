"""Problems from the APIs as GOV.UK error summaries, each linked to its field."""

from __future__ import annotations

from staff.entrypoints.web.api import Refused
from staff.entrypoints.web.forms import FormErrors, kept
from starlette.datastructures import FormData


def _problem(errors, detail="2 field(s) are not valid"):
    return Refused(
        422,
        {
            "type": "/problems/validation-error",
            "title": "Not valid",
            "detail": detail,
            "errors": errors,
        },
    )


def test_each_field_error_links_to_its_input_and_marks_it():
    errors = FormErrors.from_api(
        _problem(
            [
                {"field": "caller.name", "message": "too long"},
                {"field": "child_ids.0", "message": "unknown person"},
            ]
        ),
        {"caller.name": "caller-name", "child_ids": "children"},
    )
    assert errors.summary == [
        {"text": "Too long", "href": "#caller-name"},
        {"text": "Unknown person", "href": "#children"},
    ]
    assert errors.message("caller-name") == {"text": "Too long"}
    assert errors.message("children") == {"text": "Unknown person"}
    assert errors.message("worry") is None
    assert errors.description == "2 field(s) are not valid"


def test_a_field_with_no_input_on_the_page_is_listed_with_its_label_and_linked_to_the_fallback():
    errors = FormErrors.from_api(
        _problem([{"field": "consent.status", "message": "is needed before a decision"}]),
        {},
        labels={"consent": "Consent to share"},
        fallback="still-needed",
    )
    assert errors.summary == [
        {"text": "Consent to share: is needed before a decision", "href": "#still-needed"}
    ]


def test_a_problem_without_field_errors_shows_its_detail():
    problem = Refused(409, {"title": "Conflict", "detail": "nobody in the team has room"})
    errors = FormErrors.from_api(problem, {}, fallback="decision")
    assert errors.summary == [{"text": "Nobody in the team has room", "href": "#decision"}]
    assert bool(errors)
    assert not FormErrors()


def test_the_input_is_kept_without_the_csrf_token():
    form = FormData([("worry", "Mondays"), ("csrf_token", "t"), ("child", "a"), ("child", "b")])
    assert kept(form) == {"worry": "Mondays", "child": ["a", "b"]}
