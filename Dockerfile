# One image for web, workers and beat (CONVENTIONS.md §10).
FROM python:3.11-slim-bookworm

# Production mode (the default without DEBUG; said here so that nobody has to wonder).
ENV DEBUG=false PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN useradd --create-home --uid 1000 recourse
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY --chown=recourse:recourse . .
# Static files are collected at build time with throw-away secrets generated here (production refuses
# placeholders); the real ones come from the environment at run time.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    FIELD_ENCRYPTION_KEY="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    EMAIL_URL=smtp://localhost:25 ADMIN_PATH=build-only/ STATIC_ROOT=/app/staticfiles VAR_DIR=/tmp/build-var \
    OPERATOR_NAME="Image build" OPERATOR_POSTAL_ADDRESS="Image build" OPERATOR_EMAIL=build@build.invalid \
    OPERATOR_PHONE=0 OPERATOR_WEBSITE=https://build.invalid PUBLIC_BASE_URL=https://build.invalid \
    RELAY_EMAIL_DOMAIN=relay.build.invalid \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/var/private && chown -R recourse:recourse /app/var && chmod 700 /app/var /app/var/private
USER recourse
EXPOSE 8000
CMD ["gunicorn", "-c", "portal/gunicorn.conf.py", "portal.wsgi"]
