# Ficshelf in a container: `docker compose up` (compose.yaml), or
#   docker build -t ficshelf . && docker run -e DISCORD_TOKEN=… -v ficshelf-data:/data ficshelf
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# pg_dump, for `ficshelf backup` when FICSHELF_DB is a PostgreSQL server
RUN apt-get update \
    && apt-get install --yes --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*

# A non-root user; the database (SQLite) lives on the /data volume, which it owns.
RUN groupadd --system ficshelf \
    && useradd --system --gid ficshelf --home-dir /app --shell /usr/sbin/nologin ficshelf \
    && mkdir /data && chown ficshelf:ficshelf /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY cogs ./cogs
COPY data ./data
RUN pip install .

# The bundled data (taxonomy, prompts, model, library) is read from data/ beside the
# package, which `pip install .` does not copy: run the package from /app itself.
ENV PYTHONPATH=/app \
    FICSHELF_DB=/data/ficshelf.db \
    FICSHELF_LIBRARY=/app/data/stories

USER ficshelf
VOLUME ["/data"]

HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["ficshelf", "health"]

CMD ["ficshelf", "run"]
