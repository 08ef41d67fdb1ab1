"""django-import-export's resource for Household in its default configuration. Used by bench/run.py as the
yardstick for our own import path (apps.households.importing); it checks none of the register's rules
(ID check digit, scope, members, duplicates across the Member table) and writes row by row."""
from import_export import resources

from .models import Household


class HouseholdResource(resources.ModelResource):
    class Meta:
        model = Household
