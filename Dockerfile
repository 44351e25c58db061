# The backcoach image used by docker-compose.yml (collector and dashboard).
FROM python:3.11-slim-bookworm

WORKDIR /app
COPY pyproject.toml README.md ./
COPY backcoach ./backcoach
COPY collector ./collector
COPY processing ./processing
COPY storage ./storage
COPY dashboard ./dashboard
COPY i18n ./i18n
COPY live ./live
COPY analysis ./analysis
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 1000 backcoach \
    && mkdir /data && chown backcoach /data

USER backcoach
ENV BACKCOACH_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8501
ENTRYPOINT ["backcoach"]
CMD ["--help"]
