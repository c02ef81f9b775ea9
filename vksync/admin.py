from vksync.admin_sync import *  # noqa: F403
