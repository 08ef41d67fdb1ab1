from django.core.management.base import BaseCommand

from apps.regions.services import holidays_seed, rates_seed


class Command(BaseCommand):
    help = "Seed the holiday calendar from chinese-calendar and the benchmark/LPR rate table (idempotent)."

    def handle(self, **opts):
        holidays = holidays_seed()
        rates = rates_seed()
        self.stdout.write(self.style.SUCCESS(f"holidays added: {holidays}; rates added: {rates}"))
