"""schemathesis hook of .ci/openapi: signs every request in as the tenant admin, re-logging in
whenever the session has ended.

The run may end its own session: the stateful phase follows ids from responses (GET /api/me
gives the admin's own), so it may change the admin's roles, issue and redeem a reset of its
password, or end all of its sessions - each ends the session on purpose. schemathesis calls
`get` again after any 401 (`retry_on`) and replays that request with the new cookie, so the
rest of the run stays signed in. When the login itself fails (the fuzzer changed the password,
the role, or suspended or locked the admin), the admin is put back with the `tenantry` CLI
first. POST /api/auth/logout is excluded from the run altogether (see .ci/openapi).
"""

import json
import os
import subprocess
import urllib.error
import urllib.request

import schemathesis

BASE = os.environ["TENANTRY_OPENAPI_BASE"]
CLI = os.environ["TENANTRY_OPENAPI_CLI"]
TENANT = "acme"
ADMIN = "ada"
PASSWORD = os.environ["TENANTRY_OPENAPI_PASSWORD"]
COOKIE = "tenantry_admin"


def login():
    """A new session of the admin: its cookie's value, or None when the login is refused."""
    body = json.dumps({"tenant": TENANT, "login": ADMIN, "password": PASSWORD}).encode()
    request = urllib.request.Request(
        BASE + "/api/auth/login",
        data=body,
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                if name.strip() == COOKIE:
                    return rest.split(";", 1)[0]
    except urllib.error.HTTPError:
        return None
    return None


def restore():
    """Puts the admin back as the run found it: active, unlocked, its password, role admin."""

    def cli(*args, stdin=None):
        subprocess.run(
            [CLI, *args, "--tenant", TENANT],
            input=stdin,
            text=True,
            capture_output=True,
            check=False,
        )

    cli("user", "reactivate", ADMIN)
    cli("user", "unlock", ADMIN)
    cli("user", "set-password", ADMIN, "--password-stdin", stdin=PASSWORD + "\n")
    cli("role", "tenant", ADMIN, "admin")


@schemathesis.auth()
class AdminSession:
    def get(self, case, context):
        cookie = login()
        if cookie is None:
            restore()
            cookie = login()
        if cookie is None:
            raise RuntimeError("the admin cannot sign in, even after restoring it")
        return cookie

    def set(self, case, data, context):
        case.cookies = case.cookies or {}
        case.cookies[COOKIE] = data
