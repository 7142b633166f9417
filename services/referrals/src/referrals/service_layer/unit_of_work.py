"""The referrals unit of work: the runtime's transaction and outbox, with this service's
repositories over its session (`uow.repos.contacts`, `uow.repos.people`, ...)."""

from __future__ import annotations

from typing import Self

from runtime.uow import UnitOfWork

from referrals.adapters.repository import Repositories


class ReferralsUnitOfWork(UnitOfWork):
    repos: Repositories

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.repos = Repositories(self.session)
        return self
