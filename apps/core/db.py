"""Database housekeeping shared by the bulk generators."""
from django.db import connection


def refresh_statistics(*tables: str) -> None:
    """After a bulk load: VACUUM ANALYZE so counts use index-only scans, as they will once autovacuum has run.

    VACUUM cannot run inside a transaction (tests wrap everything in one), so there only ANALYZE is done.
    """
    if connection.vendor != "postgresql":
        return
    verb = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cur:
        for table in tables:
            cur.execute(f"{verb} {connection.ops.quote_name(table)}")
