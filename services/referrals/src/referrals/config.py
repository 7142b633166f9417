"""Settings of the referrals service (`REFERRALS_*` environment variables; platform-wide ones are `LPM_*`)."""

from __future__ import annotations

from typing import Annotated

from contracts.reference.referrals import DEFAULT_CASELOAD_LIMITS, WorkerRole
from pydantic import Field
from runtime.settings import ServiceSettings, settings_config

from referrals.domain.allocation import CaseloadLimits


class Settings(ServiceSettings):
    model_config = settings_config("REFERRALS_")

    service_name: str = "referrals"
    port: int = 8001
    # Families a worker may lead at once (section 3.4: four for a social worker, eight for a
    # family support worker); a worker's own limit, when set, overrides these.
    caseload_limit_social_worker: Annotated[int, Field(ge=1)] = DEFAULT_CASELOAD_LIMITS[
        WorkerRole.SOCIAL_WORKER
    ]
    caseload_limit_family_support_worker: Annotated[int, Field(ge=1)] = DEFAULT_CASELOAD_LIMITS[
        WorkerRole.FAMILY_SUPPORT_WORKER
    ]

    def caseload_limits(self) -> CaseloadLimits:
        return CaseloadLimits(
            {
                WorkerRole.SOCIAL_WORKER: self.caseload_limit_social_worker,
                WorkerRole.FAMILY_SUPPORT_WORKER: self.caseload_limit_family_support_worker,
            }
        )
