"""A bare FastAPI endpoint doing one INSERT with the same driver: the baseline for `make bench`."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from pydantic import BaseModel
from runtime.db import Database
from sqlalchemy import Column, MetaData, String, Table, Uuid, insert

metadata = MetaData()
rows = Table("rows", metadata, Column("id", Uuid, primary_key=True), Column("body", String(4000)))


class Body(BaseModel):
    source: str
    worry: str | None = None


def create_app() -> FastAPI:
    db = Database(os.environ["BARE_DATABASE_URL"])

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        yield
        await db.dispose()

    app = FastAPI(lifespan=lifespan)

    @app.post("/bare", status_code=201)
    async def bare(body: Body) -> dict[str, str]:
        row_id = uuid.uuid4()
        async with db.transaction() as session:
            await session.execute(insert(rows).values(id=row_id, body=body.model_dump_json()))
        return {"id": str(row_id)}

    return app
