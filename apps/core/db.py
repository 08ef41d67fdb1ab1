"""Database housekeeping shared by the bulk generators and the daily jobs."""
from contextlib import contextmanager

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


@contextmanager
def no_nested_loops():
    """For an INSERT … SELECT that anti-joins the very table it fills (one row per loan, skip those present).
    Planned on statistics of an empty table, PostgreSQL picks a nested loop over a sequential scan of that table,
    which grows while the statement runs: quadratic, minutes instead of seconds. A hash anti-join reads the table
    once as it was. In a transaction the setting is LOCAL to it; outside one it is reset afterwards."""
    if connection.vendor != "postgresql":
        yield
        return
    scope = "LOCAL " if connection.in_atomic_block else ""
    with connection.cursor() as cur:
        cur.execute(f"SET {scope}enable_nestloop = off")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"SET {scope}enable_nestloop = on")
