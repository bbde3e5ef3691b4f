"""Create each service's role and database if missing, apply its schema
migrations (yoyo) and declare the broker topology.

    townhall-migrate all           # every service, then the broker
    townhall-migrate bins          # one service's database only
    townhall-migrate --broker      # the broker topology only
"""
import argparse
import logging
import pathlib
import sys

import psycopg2
from psycopg2 import sql
from psycopg2.extensions import parse_dsn
from yoyo import get_backend, read_migrations

from services.kit import config, topology

log = logging.getLogger(__name__)

KIT_MIGRATIONS = pathlib.Path(__file__).parent / "migrations"
SERVICES_DIR = pathlib.Path(__file__).parent.parent


def migration_dirs(service):
    own = SERVICES_DIR / service / "migrations"
    return [str(d) for d in (KIT_MIGRATIONS, own) if d.is_dir()]


def create_database(url, admin_url=None, drop_first=False):
    """Makes the role and database named in `url` exist, owned by that role."""
    target = parse_dsn(url)
    name, owner = target["dbname"], target.get("user") or "postgres"
    admin = psycopg2.connect(admin_url or config.pg_admin_url(), connect_timeout=5)
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (owner,))
            if not cur.fetchone():
                cur.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(owner)))
            if drop_first:
                cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)))
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if not cur.fetchone():
                cur.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(
                    sql.Identifier(name), sql.Identifier(owner)))
    finally:
        admin.close()


def apply_migrations(url, dirs):
    backend = get_backend(url)
    migrations = read_migrations(*dirs)
    with backend.lock():
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
    return len(pending)


def migrate_service(service, url=None, admin_url=None):
    url = url or config.database_url(service)
    create_database(url, admin_url)
    applied = apply_migrations(url, migration_dirs(service))
    print(f"{service}: database ready ({applied} migration(s) applied)")
    return applied


def main(argv=None):
    parser = argparse.ArgumentParser(prog="townhall-migrate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", nargs="?", default="all",
                        choices=("all",) + topology.SERVICES)
    parser.add_argument("--broker", action="store_true",
                        help="declare the broker topology only")
    args = parser.parse_args(argv)
    if args.broker:
        topology.ensure(config.amqp_uri())
        print("broker: topology declared")
        return 0
    services = topology.SERVICES if args.target == "all" else (args.target,)
    for service in services:
        migrate_service(service)
    if args.target == "all":
        topology.ensure(config.amqp_uri())
        print("broker: topology declared")
    return 0


if __name__ == "__main__":
    sys.exit(main())
