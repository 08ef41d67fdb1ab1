# One image for web (gunicorn), Celery worker and Celery beat. See docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=microcredit.settings.production \
    VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles \
    MEDIA_ROOT=/app/var/media

# WeasyPrint needs Pango (libpango-1.0-0, libpangoft2-1.0-0) and HarfBuzz's subsetter
# (libharfbuzz-subset0; without it a Chinese page takes seconds); fonts-wqy-microhei is the CJK font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        fonts-wqy-microhei \
        libharfbuzz-subset0 \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

# Production settings refuse to start without SECRET_KEY: a throw-away value is given to collectstatic
# only, so it never ends up in the image's environment.
RUN SECRET_KEY=collectstatic-build-only-not-a-secret python manage.py collectstatic --noinput -v0 \
    && useradd --system --home-dir /app --shell /usr/sbin/nologin app \
    && mkdir -p /app/var/media \
    && chown -R app:app /app/var

USER app
# /app/var holds uploads (MEDIA_ROOT): mount one volume there for web and worker alike.
VOLUME ["/app/var"]
EXPOSE 8000

# gunicorn reads WEB_CONCURRENCY for the number of workers.
CMD ["gunicorn", "microcredit.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--timeout", "120"]
