# One image for all five services and the workspace; the container's command picks the service:
#   python -m services.<name>        (intake, triage, booking, notifications, kpi, workspace)
#   python -m deploy.create_topics   (one-shot: event and dead-letter topics)
# Everything else is configured through environment variables (see docker-compose.yml).
# the workspace's browser assets (htmx), exactly as package-lock.json says
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# dependencies first, so a code change does not reinstall them
COPY pyproject.toml README.md ./
COPY contracts ./contracts
COPY services ./services
COPY kontakt ./kontakt
RUN pip install .

COPY --from=assets /assets/node_modules ./node_modules

# run from the source tree (migrations and data files live beside the code)
COPY deploy/__init__.py deploy/create_topics.py ./deploy/

RUN useradd --system --uid 10001 --home-dir /var/lib/kontakt --create-home kontakt
USER kontakt
ENV KONTAKT_DATA_DIR=/var/lib/kontakt

EXPOSE 8101 8102 8103 8104 8105 8106
CMD ["python", "-m", "services.intake"]
