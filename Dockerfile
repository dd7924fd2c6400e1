# syntax=docker/dockerfile:1
# sohoa worker image (docker-compose.yml service `worker`). Build context: the repository root; .dockerignore
# keeps .venv/, .local/ (development keys and service data) and secrets/ out of it.
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
COPY . .
RUN python -m venv /opt/sohoa \
 && /opt/sohoa/bin/pip install .

FROM ${PYTHON_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      tesseract-ocr tesseract-ocr-vie tesseract-ocr-eng tesseract-ocr-osd \
      poppler-utils fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/sohoa --no-create-home sohoa \
 && install -d -o sohoa -g sohoa -m 0750 /var/lib/sohoa
COPY --from=build /opt/sohoa /opt/sohoa
COPY docker/entrypoint.sh /usr/local/bin/sohoa-entrypoint
ENV PATH=/opt/sohoa/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    SOHOA_HOME=/var/lib/sohoa \
    OMP_THREAD_LIMIT=1
USER sohoa
WORKDIR /var/lib/sohoa
VOLUME ["/var/lib/sohoa"]
ENTRYPOINT ["sohoa-entrypoint"]
CMD ["sohoa", "worker"]
