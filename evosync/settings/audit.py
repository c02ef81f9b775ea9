"""The audit trail (`audit`): django-auditlog writes into our model; how long the trail is kept."""

import environ

env = environ.Env()

# auditlog's log entries are our audit.AuditEvent rows: model changes and explicit events share one table.
AUDITLOG_LOGENTRY_MODEL = "audit.AuditEvent"
# Secrets are masked whole (auditlog's default mask keeps half of the value visible).
AUDITLOG_MASK_CALLABLE = "audit.masking.hide"
# Events older than this are deleted by the daily beat task `audit.prune_audit_trail`.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)
