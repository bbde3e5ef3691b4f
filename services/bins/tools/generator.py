"""A made-up borough ("Fernley") for demos, tests and benchmarks.

    python -m services.bins.tools.generator [--size 3000] [--seed 1] [--round-size 500]
                                      [--as-of YYYY-MM-DD] [--database-url URL] [--replace]

The same seed, size, round size and as-of date always give the same
borough, row for row. Properties come in streets, a postcode covers a run
of neighbouring houses, and each block of `round_size` neighbouring
properties shares its rounds: one bin day for the street, as in life.
Loading uses COPY in one transaction, so it is a command-line tool and never
runs inside a service (psycopg2's COPY fails under eventlet).
"""
import argparse
import dataclasses
import datetime as dt
import math
import random
import sys
import time

import psycopg2

from services.bins import store
from services.bins.domain.model import Frequency, Round, Service
from services.kit import config, migrate

TOWN = "Fernley"
POSTCODE_AREA = "ZZ"  # no real postcode area, so demo data never matches a real address
# Inward codes use only these letters (no C, I, K, M, O, V).
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
WARDS = ("Abbey", "Brookside", "Castle", "Dene", "Eastfield", "Fairholme", "Greenhill",
         "Highcross", "Kingsmead", "Longmoor", "Millbank", "Northgate", "Oakwood",
         "Priory", "Queensway", "Riverside", "St Anne's", "Thornbury", "Westcliff", "Yew Tree")
STREET_WORDS = ("Acacia", "Alder", "Ash", "Badger", "Beech", "Birch", "Bramble", "Brook",
                "Cedar", "Chapel", "Cherry", "Church", "Clover", "Copper", "Elm", "Fern",
                "Field", "Fox", "Glebe", "Hawthorn", "Hazel", "Heather", "Holly", "Ivy",
                "Juniper", "Kestrel", "Laurel", "Lime", "Linden", "Maple", "Meadow", "Mill",
                "Oak", "Orchard", "Park", "Pine", "Poplar", "Primrose", "Quarry", "Rowan",
                "School", "Silver", "Spring", "Station", "Sycamore", "Tanner", "Thistle",
                "Victoria", "Walnut", "Willow", "Windmill", "Wren")
STREET_KINDS = ("Road", "Street", "Lane", "Avenue", "Close", "Drive", "Way", "Gardens",
                "Crescent", "Grove", "Terrace", "Walk", "Rise", "Court", "Place", "View")
CENTRE = (52.95, -1.15)

ROUND_PREFIX = {Service.REFUSE: "REF", Service.RECYCLING: "REC",
                Service.GARDEN: "GDN", Service.FOOD: "FOOD"}
# One crew per service works this many neighbouring zones: ten for the
# fortnightly services (each weekday of weeks A and B), five for weekly food.
ZONES_PER_CREW = {Service.REFUSE: 10, Service.RECYCLING: 10, Service.GARDEN: 10,
                  Service.FOOD: 5}

DEFAULT_SIZE = 3000
DEFAULT_SEED = 1
DEFAULT_ROUND_SIZE = 500
MAX_SIZE = 1_000_000
UPRN_BASE = 100_090_000_000


@dataclasses.dataclass
class Borough:
    crews: list  # (id, name)
    rounds: list  # model.Round
    properties: object  # iterator of (property row, [service rows])
    size: int


def zone_rounds(zone):
    """The four rounds of one zone: (service, weekday, frequency, week)."""
    weekday = zone % 5
    week = "AB"[(zone // 5) % 2]
    other = "B" if week == "A" else "A"
    return [(Service.REFUSE, weekday, Frequency.FORTNIGHTLY, week),
            (Service.RECYCLING, weekday, Frequency.FORTNIGHTLY, other),
            (Service.FOOD, weekday, Frequency.WEEKLY, None),
            (Service.GARDEN, weekday, Frequency.FORTNIGHTLY, other)]


def round_id(service, zone):
    return f"{ROUND_PREFIX[service]}-{zone + 1:04d}"


def plan_rounds(zones):
    crews, rounds, crew_of = [], [], {}
    for zone in range(zones):
        for service, weekday, frequency, week in zone_rounds(zone):
            key = (service, zone // ZONES_PER_CREW[service])
            if key not in crew_of:
                crew_of[key] = f"crew-{len(crew_of) + 1}"
                crews.append((crew_of[key],
                              f"{service.label} crew {key[1] + 1}"))
            rounds.append(Round(round_id(service, zone), service, weekday, frequency, week,
                                crew_of[key]))
    return crews, rounds


def _postcode(index):
    district = 1 + index // 4000
    sector = (index // 400) % 10
    unit = index % 400
    return (f"{POSTCODE_AREA}{district} {sector}"
            f"{INWARD_LETTERS[unit // 20]}{INWARD_LETTERS[unit % 20]}")


def _garden_until(rng, as_of):
    """Garden subscriptions run to 31 March. About a third of homes
    subscribe; a few have let it lapse."""
    roll = rng.random()
    if roll >= 0.35:
        return None, False
    renewal = dt.date(as_of.year if as_of < dt.date(as_of.year, 4, 1) else as_of.year + 1, 3, 31)
    if roll < 0.03:
        return dt.date(renewal.year - 1, 3, 31), True  # lapsed
    return renewal, True


def _properties(size, seed, round_size, as_of):
    rng = random.Random(seed)
    made = 0
    postcode_index = 0
    while made < size:
        street = f"{rng.choice(STREET_WORDS)} {rng.choice(STREET_KINDS)}"
        ward = WARDS[min(len(WARDS) - 1, made * len(WARDS) // size)]
        lat = CENTRE[0] + rng.uniform(-0.08, 0.08)
        lon = CENTRE[1] + rng.uniform(-0.12, 0.12)
        houses = rng.randint(8, 60)
        per_postcode = rng.randint(8, 16)
        for number in range(1, houses + 1):
            if made >= size:
                break
            if (number - 1) % per_postcode == 0:
                postcode = _postcode(postcode_index)
                postcode_index += 1
            flats = rng.randint(2, 4) if rng.random() < 0.05 else 0
            firsts = ([f"Flat {f}, {number} {street}" for f in range(1, flats + 1)]
                      or [f"{number} {street}"])
            for first in firsts:
                if made >= size:
                    break
                uprn = f"{UPRN_BASE + made:012d}"
                zone = made // round_size
                assisted = rng.random() < 0.03
                until, garden = _garden_until(rng, as_of)
                services = []
                for service, *_ in zone_rounds(zone):
                    if service is Service.GARDEN and not garden:
                        continue
                    services.append((uprn, service.value, round_id(service, zone), assisted,
                                     until if service is Service.GARDEN else None))
                prop = (uprn, [first, ward, TOWN], postcode, ward,
                        round(lat + number * 0.00004, 6), round(lon + number * 0.00006, 6))
                yield prop, services
                made += 1


def generate(size=DEFAULT_SIZE, seed=DEFAULT_SEED, round_size=DEFAULT_ROUND_SIZE, as_of=None):
    if not 1 <= size <= MAX_SIZE:
        raise ValueError(f"size must be between 1 and {MAX_SIZE:,}")
    if round_size < 1:
        raise ValueError("round size must be at least 1")
    as_of = as_of or dt.date.today()
    crews, rounds = plan_rounds(math.ceil(size / round_size))
    return Borough(crews, rounds, _properties(size, seed, round_size, as_of), size)


def _chunks(items, n):
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == n:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def round_rows(rounds):
    return [(r.id, r.service.value, r.weekday, r.frequency.value, r.week, r.crew_id)
            for r in rounds]


def load(conn, borough, replace=False, progress=None, chunk=20_000):
    """Loads the borough in one transaction; refuses to load over existing
    properties unless `replace`. Returns the number of properties loaded."""
    with conn.cursor() as cur:
        if store.has_properties(cur):
            if not replace:
                raise RuntimeError("the database already has properties (use --replace)")
            store.clear_borough(cur)
        store.upsert_crews(cur, borough.crews)
        store.upsert_rounds(cur, round_rows(borough.rounds))
        loaded = 0
        for batch in _chunks(borough.properties, chunk):
            store.copy_rows(cur, "properties", store.PROPERTY_COLUMNS, (p for p, _ in batch))
            store.copy_rows(cur, "property_services", store.SERVICE_COLUMNS,
                            (s for _, services in batch for s in services))
            loaded += len(batch)
            if progress:
                progress.update(len(batch))
        store.analyse(cur)
    conn.commit()
    return loaded


def generate_and_load(url, size=DEFAULT_SIZE, seed=DEFAULT_SEED, round_size=DEFAULT_ROUND_SIZE,
                      as_of=None, replace=False, show_progress=None):
    from tqdm import tqdm

    borough = generate(size, seed, round_size, as_of)
    show = size >= 50_000 if show_progress is None else show_progress
    conn = psycopg2.connect(url, application_name="bins-generator")
    try:
        with tqdm(total=size, unit=" properties", disable=not show, unit_scale=True,
                  desc="Loading the borough") as bar:
            return load(conn, borough, replace=replace, progress=bar)
    finally:
        conn.close()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m services.bins.tools.generator",
                                     description="Generate and load a demo borough.")
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE,
                        help=f"number of properties (default {DEFAULT_SIZE}, "
                             f"at most {MAX_SIZE:,})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--round-size", type=int, default=DEFAULT_ROUND_SIZE,
                        help="properties per round (default %(default)s)")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None,
                        help="date garden subscriptions are reckoned from (default today)")
    parser.add_argument("--database-url", default=None,
                        help="default: BINS_DATABASE_URL or the local bins database")
    parser.add_argument("--replace", action="store_true",
                        help="delete the existing borough (and its reports) first")
    args = parser.parse_args(argv)
    url = args.database_url or config.database_url("bins")
    migrate.create_database(url)
    migrate.apply_migrations(url, migrate.migration_dirs("bins"))
    started = time.monotonic()
    try:
        loaded = generate_and_load(url, args.size, args.seed, args.round_size, args.as_of,
                                   replace=args.replace)
    except (RuntimeError, ValueError) as exc:
        print(f"bins generator: {exc}", file=sys.stderr)
        return 1
    print(f"bins: loaded {loaded:,} properties in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
