"""Roles are Django groups; the flags each role implies live here (permissions: on the group page)."""

SYSTEM = "system"
ADMIN = "admin"
USER = "user"

# Highest first: a user in several role groups shows the highest one.
ROLES = [SYSTEM, ADMIN, USER]
ROLE_CHOICES = [(SYSTEM, "system — все права"), (ADMIN, "admin — сотрудник"), (USER, "user — продавец")]

# role -> (is_staff, is_superuser)
FLAGS = {SYSTEM: (True, True), ADMIN: (True, False), USER: (False, False)}
