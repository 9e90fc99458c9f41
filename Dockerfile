FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY data ./data
RUN pip install --no-cache-dir . && useradd --create-home --uid 10001 bot \
    && mkdir -p /var/lib/scofactbot && chown bot /var/lib/scofactbot
ENV DATA_DIR=/app/data
USER bot
CMD ["python", "-m", "bot", "run"]
