"""Demo data for `make up`: the default generated borough, loaded only when
the bins database has no properties yet, so running it again does nothing."""
import sys

import psycopg2

from services.bins import store
from services.bins.tools import generator
from services.kit import config, migrate


def main(url=None):
    url = url or config.database_url("bins")
    migrate.create_database(url)
    migrate.apply_migrations(url, migrate.migration_dirs("bins"))
    conn = psycopg2.connect(url, application_name="bins-seed")
    try:
        with conn.cursor() as cur:
            present = store.has_properties(cur)
        conn.rollback()
    finally:
        conn.close()
    if present:
        print("bins: borough already loaded")
        return 0
    loaded = generator.generate_and_load(url)
    print(f"bins: loaded a demo borough of {loaded:,} properties")
    return 0


if __name__ == "__main__":
    sys.exit(main())
