# The bot's image: Python 3.11, the package with its PostgreSQL extra, run as a non-root user.
# Build: docker build -t sco-fact-bot .   (or through docker-compose.yml)
# Not built in this repository's CI (no container engine there); tests/test_deployment.py
# checks this file and the compose file by reading them.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY data ./data
# Noto CJK: /timeline's picture in Chinese (without a font with Han characters it is drawn in English)
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*
RUN pip install ".[postgres,speed]" \
    && useradd --create-home --uid 10001 --user-group bot \
    && mkdir -p /var/lib/scofactbot \
    && chown bot:bot /var/lib/scofactbot

ENV DATA_DIR=/app/data \
    COMMAND_HASH_FILE=/var/lib/scofactbot/command-hash
USER bot
WORKDIR /var/lib/scofactbot
CMD ["python", "-m", "bot", "run"]
