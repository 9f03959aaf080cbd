# syntax=docker/dockerfile:1
# The ESB Portal application image: web (gunicorn), Celery worker and beat all run from it
# (docker-compose.yml). Debian's Pango/HarfBuzz shape Khmer in WeasyPrint PDFs.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: the virtualenv from the hash-locked requirements, compiled translations ---------------------
FROM ${PYTHON_IMAGE} AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# Every package and every transitive dependency is pinned with its hashes: pip refuses anything else.
COPY requirements.lock /tmp/requirements.lock
RUN pip install --require-hashes --no-deps -r /tmp/requirements.lock

WORKDIR /app
COPY . /app
RUN ESB_ENV=development python manage.py compilemessages --ignore=.venv --ignore=node_modules


# --- runtime --------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=esb.settings \
    ESB_ENV=production \
    STATIC_ROOT_DIR=/srv/static \
    MEDIA_ROOT=/srv/media \
    XDG_CACHE_HOME=/tmp/.cache

# WeasyPrint's system libraries (Pango with HarfBuzz for complex scripts such as Khmer) and fonts with Khmer
# and Latin coverage for certificates.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz0b \
        libharfbuzz-subset0 \
        fontconfig \
        fonts-khmeros-core \
        fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/* \
    && fc-cache -f

# An unprivileged user owns nothing but the two data folders; the code is read-only to it.
RUN groupadd --system --gid 10001 esb \
    && useradd --system --uid 10001 --gid esb --home-dir /app --no-create-home --shell /usr/sbin/nologin esb \
    && mkdir -p /srv/static /srv/media \
    && chown esb:esb /srv/static /srv/media

COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
WORKDIR /app

USER 10001:10001

EXPOSE 8000
CMD ["gunicorn", "esb.wsgi", "--bind=0.0.0.0:8000", "--workers=3", "--access-logfile=-"]
