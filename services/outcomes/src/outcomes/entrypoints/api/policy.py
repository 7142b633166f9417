"""Who may call which outcomes endpoint, and which records they may see (see runtime.policy).

Everything here is aggregate or pseudonymised except the ingest, which partners' case systems
(scope `service-responses:write`) and administrators call.
"""

from __future__ import annotations

from runtime.identity import Role
from runtime.policy import ANALYSTS, ObjectRule, Policy, rule

AGG = ObjectRule.AGGREGATE_ONLY
INGEST_SCOPE = "service-responses:write"

POLICY = Policy(
    "outcomes",
    [
        rule("GET", "/v1/measures/contacts", ANALYSTS, objects=AGG, summary="contact counts"),
        rule("GET", "/v1/scorecard", ANALYSTS, objects=AGG, summary="OBA scorecard"),
        rule("GET", "/v1/run-charts", ANALYSTS, objects=AGG, summary="run chart measures"),
        rule("GET", "/v1/run-charts/{measure}", ANALYSTS, objects=AGG, summary="a run chart"),
        rule("GET", "/v1/run-charts:batch", ANALYSTS, objects=AGG, summary="several run charts"),
        rule("GET", "/v1/evaluation/goal-movement", ANALYSTS, objects=AGG, summary="movement"),
        rule("GET", "/v1/evaluation/closure-reasons", ANALYSTS, objects=AGG, summary="closures"),
        rule(
            "GET",
            "/v1/evaluation/improvement-by-category",
            ANALYSTS,
            objects=AGG,
            summary="improvement by reporting category",
        ),
        rule("GET", "/v1/evaluation/table-1", ANALYSTS, objects=AGG, summary="CP plans"),
        rule("GET", "/v1/evaluation/table-2", ANALYSTS, objects=AGG, summary="looked after"),
        rule("GET", "/v1/evaluation/table-3", ANALYSTS, objects=AGG, summary="costs"),
        rule("GET", "/v1/evaluation/table-4", ANALYSTS, objects=AGG, summary="activities"),
        rule("GET", "/v1/evaluation/intervention", ANALYSTS, objects=AGG, summary="intervention"),
        rule(
            "GET",
            "/v1/reference/unit-costs",
            ANALYSTS,
            objects=ObjectRule.NONE,
            summary="unit cost editions",
        ),
        rule(
            "POST",
            "/v1/service-responses",
            [Role.ADMIN],
            scopes=[INGEST_SCOPE],
            objects=ObjectRule.OWN_AGENCY,
            summary="record a service response",
        ),
        rule(
            "POST",
            "/v1/service-responses:batch",
            [Role.ADMIN],
            scopes=[INGEST_SCOPE],
            objects=ObjectRule.OWN_AGENCY,
            summary="back-fill service responses",
        ),
        rule(
            "POST",
            "/v1/admin/rebuild",
            [Role.ADMIN],
            objects=ObjectRule.NONE,
            summary="rebuild the read models",
        ),
        rule(
            "GET",
            "/v1/admin/rebuild",
            [Role.ADMIN],
            objects=ObjectRule.NONE,
            summary="rebuild progress",
        ),
    ],
)
