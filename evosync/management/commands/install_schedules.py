from django.core.management.base import BaseCommand

from evosync.schedules import install_periodic_tasks


class Command(BaseCommand):
    help = "Write EvoSync's periodic tasks to the beat tables (creates what is missing, keeps admin edits)."

    def handle(self, *args, **options):
        created = install_periodic_tasks()
        for name in created:
            self.stdout.write(f"created: {name}")
        self.stdout.write(self.style.SUCCESS(f"{len(created)} periodic task(s) created"))
