# Baton in a container: one image, run as N identical replicas behind any HTTP load balancer,
# all pointed at one PostgreSQL (DATABASE_URL). Not built in CI here (no registry access).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PORT=3000
WORKDIR /app

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN pip install . && useradd --system --no-create-home baton

USER baton
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s CMD python -c "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz', timeout=2)"

# Migrating at start is safe with many replicas (they take turns on an advisory lock);
# a separate release step (`baton db upgrade`) is better where the platform has one.
CMD ["sh", "-c", "baton db upgrade && exec baton run --port \"$PORT\""]
