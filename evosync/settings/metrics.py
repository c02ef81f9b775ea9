"""/metrics: who may scrape it. Both empty (the default): /metrics answers 404.

Multiprocess mode is prometheus-client's own: set PROMETHEUS_MULTIPROC_DIR (an empty folder, shared by the web
and the workers of one host) in the environment of every process, before it starts.
"""

import ipaddress

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()

# A bearer token Prometheus sends (`authorization: {credentials: …}` in its scrape config).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Addresses or CIDR networks that may scrape, as they connect to `web` (REMOTE_ADDR: scrape web directly).
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=[])
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {_network!r} is not an address or a network") from None

# Read by prometheus-client itself from the environment, before any metric exists (`core.metrics` makes the
# folder); named here to be listed with the other settings.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")
