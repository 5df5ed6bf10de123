# One image for web, workers and beat (CONVENTIONS.md §10).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN useradd --create-home --uid 1000 recourse
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY --chown=recourse:recourse . .
# Static files are collected at build time with throw-away secrets; real ones come from the environment.
RUN DEBUG=false SECRET_KEY=build-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz \
    FIELD_ENCRYPTION_KEY=YnVpbGQtb25seS1ub3QtYS1zZWNyZXQtMDEyMzQ1Njc= STATIC_ROOT=/app/staticfiles \
    VAR_DIR=/tmp/build-var python manage.py collectstatic --noinput \
    && mkdir -p /app/var/private && chown -R recourse:recourse /app/var
USER recourse
EXPOSE 8000
CMD ["gunicorn", "-c", "portal/gunicorn.conf.py", "portal.wsgi"]
