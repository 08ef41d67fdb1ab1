from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core.errors import DomainError
from apps.regions.services import region_table_from_csv, region_table_import


class Command(BaseCommand):
    help = "Import one year's 统计用区划代码 table from a CSV with columns code,name,level (1 province … 5 village)."

    def add_arguments(self, parser):
        parser.add_argument("csv_path")
        parser.add_argument("--year", type=int, required=True)

    def handle(self, csv_path, year, **opts):
        path = Path(csv_path)
        if not path.exists():
            raise CommandError(f"{path} not found")
        try:
            counts = region_table_import(region_table_from_csv(path.read_text(encoding="utf-8")), year, source=path.name)
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stdout.write(self.style.SUCCESS(f"code table {year}: " + ", ".join(f"{k} {v}" for k, v in counts.items())))
