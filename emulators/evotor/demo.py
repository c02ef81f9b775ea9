"""The demo merchant the Evotor emulator serves under `manage.py run_emulators` (and `make run`)."""

DEMO_TOKEN = "demo-evotor-cloud-token"
DEMO_USER_ID = "01-000000000000777"
