# Airflow image with the project's locked dependencies and the `trialwh` package installed.
# docker-compose.yml mounts the repository's code read-only over /opt/trialwh at run time; the copy
# installed here provides the `trialwh` command and lets the image run on its own.
FROM apache/airflow:3.3.2-python3.11

USER root
# Mount points of the runtime volumes, owned by the airflow user so that new named volumes are too.
RUN mkdir -p /opt/trialwh/var /opt/trialwh/raw \
    && chown -R airflow:0 /opt/trialwh \
    && chmod -R g+rwX /opt/trialwh
USER airflow

# Dependencies first, from the lock file only, so that code changes do not reinstall them.
COPY --chown=airflow:0 requirements.lock /tmp/trialwh/requirements.lock
RUN pip install --no-cache-dir -r /tmp/trialwh/requirements.lock

COPY --chown=airflow:0 pyproject.toml /tmp/trialwh/pyproject.toml
COPY --chown=airflow:0 ingest /tmp/trialwh/ingest
RUN pip install --no-cache-dir --no-deps /tmp/trialwh \
    && rm -rf /tmp/trialwh

ENV TRIALWH_HOME=/opt/trialwh/var \
    TRIALWH_RAW_DIR=/opt/trialwh/raw \
    PYTHONPATH=/opt/trialwh \
    GX_ANALYTICS_ENABLED=false
