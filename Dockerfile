# One image for web, worker, beat and flower (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 DJANGO_SETTINGS_MODULE=evosync.settings
RUN apt-get update \
    && apt-get install -y --no-install-recommends pkg-config libmariadb-dev gcc \
    && rm -rf /var/lib/apt/lists/*
# The processes run as this user: the code stays root's and read-only to them; only var/ and media/ are theirs.
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /home/evosync --shell /usr/sbin/nologin evosync
WORKDIR /app
COPY requirements.txt requirements-mysql.txt ./
RUN pip install -r requirements.txt -r requirements-mysql.txt
# .dockerignore keeps .env, databases, var/, media/, .git, .venv and caches out of this copy.
COPY . .
RUN DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && mkdir -p /app/var /app/media \
    && chown -R evosync:evosync /app/var /app/media
USER evosync
EXPOSE 8000 5555
CMD ["gunicorn", "evosync.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
