"""Django's Argon2 hasher at tenantry's defaults (OWASP: 19 MiB, 2 iterations, 1 lane).

Django 5.2's own Argon2 defaults are 100 MiB, 2 iterations, 8 lanes; the comparison needs the
same work on both sides, so these match tenantry's `HashingConfig::default()`.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    memory_cost = 19 * 1024
    time_cost = 2
    parallelism = 1
