"""Django's half of the peer comparison (see benches/benches/peer.rs for tenantry's half).

Django 5.2 contrib.auth on a SQLite file, argon2-cffi at tenantry's (OWASP) parameters
(19 MiB, 2 iterations, 1 lane). 10 000 users, each in one of 4 groups, every tenth inactive.
Each operation's time is the median of many calls, measured like the Rust side (a monotonic
clock around each call). Prints one JSON object of milliseconds.

    python benches/django/peer.py [--rounds N]
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

import django
from django.conf import settings

USERS = 10_000
GROUPS = 4
PASSWORD = "vivid ocelot tangles quietly"


def configure(path):
    settings.configure(
        DEBUG=False,
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": path}},
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes"],
        PASSWORD_HASHERS=["peer_hasher.OwaspArgon2PasswordHasher"],
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
    )
    django.setup()


def median_ms(calls, fn):
    samples = []
    for i in range(calls):
        started = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1e3


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    with tempfile.TemporaryDirectory() as tmp:
        configure(os.path.join(tmp, "peer.sqlite3"))
        run(args.rounds)


def run(rounds):
    from django.contrib.auth import authenticate
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    groups = [Group.objects.create(name=f"plant{g}") for g in range(GROUPS)]
    # Seeding is not measured; one hash for all (they are password-less in tenantry's seed).
    users = [
        User(
            username=f"user{i:05}",
            email=f"user{i}@example.com",
            first_name=f"User {i}",
            is_active=(i % 10 != 9),
            password="!",
        )
        for i in range(USERS)
    ]
    User.objects.bulk_create(users, batch_size=500)
    ids = list(User.objects.order_by("username").values_list("id", flat=True))
    through = User.groups.through
    through.objects.bulk_create(
        [through(user_id=uid, group_id=groups[i % GROUPS].id) for i, uid in enumerate(ids)],
        batch_size=500,
    )

    def n(calls):
        return calls * rounds

    results = {}
    with_groups = User.objects.prefetch_related("groups")
    results["get_by_id"] = median_ms(
        n(2000), lambda i: list(with_groups.get(pk=ids[(i * 7919) % USERS]).groups.all())
    )
    results["get_by_username"] = median_ms(
        n(2000),
        lambda i: list(
            with_groups.get(username=f"user{(i * 7919) % USERS:05}").groups.all()
        ),
    )
    active = User.objects.filter(is_active=True).order_by("username", "id")

    def page(i):
        offset = (i % 100) * 50
        total = active.count()
        rows = list(active.prefetch_related("groups")[offset : offset + 50])
        for row in rows:
            list(row.groups.all())
        return total, rows

    results["page"] = median_ms(n(300), page)
    results["count_active"] = median_ms(
        n(300), lambda i: User.objects.filter(is_active=True).count()
    )
    results["hash"] = median_ms(n(30), lambda i: make_password(PASSWORD))
    results["create"] = median_ms(
        n(30),
        lambda i: User.objects.create_user(
            f"new{i:06}", f"new{i}@example.com", PASSWORD, first_name=f"New {i}"
        ),
    )
    results["authenticate"] = median_ms(
        n(30),
        lambda i: authenticate(username=f"new{i % n(30):06}", password=PASSWORD),
    )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
