# One image for every service; the command picks the service (see docker-compose.yml).
# The staff pages' GOV.UK Frontend assets, from the committed package-lock.json.
FROM node:20-slim AS assets
WORKDIR /assets
COPY services/staff/package.json services/staff/package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim AS build
ENV UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT=/app/.venv UV_COMPILE_BYTECODE=1
RUN pip install --no-cache-dir uv==0.13.8
WORKDIR /app
COPY pyproject.toml uv.lock ./
COPY libs libs
COPY services services
RUN uv sync --frozen --no-dev

FROM python:3.11-slim
RUN useradd --system --uid 10001 lpm
WORKDIR /app
COPY --from=build /app /app
COPY --from=assets /assets/node_modules /app/services/staff/node_modules
ENV PATH=/app/.venv/bin:$PATH PYTHONUNBUFFERED=1
USER 10001
# e.g. `uvicorn --factory referrals.bootstrap:create_app --host 0.0.0.0 --port 8001`
CMD ["lpm", "--help"]
