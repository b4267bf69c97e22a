"""A small app that a test changes between two runs of a target (`server.version = 2`): a link renamed,
a field removed, a validation message reworded, a button's label kept but its test id changed.

Version 1 has two "Save" buttons on /settings (profile and password), so the crawler locates each by
its test id; version 2 drops the password section and renames the profile button's test id, so that
button's old locator finds nothing while one "Save" button still exists: a case to heal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from tests.fixture_apps.common import AppHandler, AppServer, serve


class ChangingServer(AppServer):
    version = 1


def _layout(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title} — Changing</title></head>"
        f"<body><nav><a href='/'>Home</a> <a href='/settings'>Settings</a> <a href='/signup'>Sign-up</a></nav>"
        f"<main>{body}</main></body></html>"
    )


def home(version: int) -> str:
    contacts = "Contacts" if version == 1 else "Contact us"
    return _layout("Home", f"<h1>Welcome</h1><p><a href='/contacts'>{contacts}</a></p>")


def contacts(version: int) -> str:
    return _layout("Contacts", "<h1>Contacts</h1><p>Write to us.</p>")


def settings(version: int) -> str:
    profile_id = "save-profile" if version == 1 else "profile-save"
    profile = (
        "<section><h2>Profile</h2><label>Display name <input name='display'></label>"
        f"<button type='button' data-testid='{profile_id}' onclick=\"document.getElementById('done').textContent='Profile saved'\">Save</button></section>"
    )
    password = (
        "<section><h2>Password</h2><label>New password <input type='password' name='password'></label>"
        "<button type='button' data-testid='save-password' onclick=\"document.getElementById('done').textContent='Password saved'\">Save</button></section>"
    )
    return _layout(
        "Settings", f"<h1>Settings</h1>{profile}{password if version == 1 else ''}<p id='done'></p>"
    )


def signup(version: int) -> str:
    message = "Email is required" if version == 1 else "Please enter your email"
    script = (
        "<script>document.getElementById('signup').addEventListener('click', () => {"
        "const email = document.getElementById('email').value.trim();"
        f"document.getElementById('problem').textContent = email ? 'Welcome!' : '{message}';"
        "});</script>"
    )
    return _layout(
        "Sign-up",
        "<h1>Sign up</h1><label for='email'>Email</label> <input id='email' type='text'>"
        "<button id='signup' type='button'>Sign up</button><div id='problem' role='alert'></div>" + script,
    )


PAGES = {"/": home, "/contacts": contacts, "/settings": settings, "/signup": signup}


class ChangingHandler(AppHandler):
    server: ChangingServer

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        path = self.path.split("?", 1)[0]
        self.server.count("GET", path)
        page = PAGES.get(path)
        if page is None:
            self.send_body(_layout("Not found", "<h1>Not found</h1>"), status=404)
            return
        self.send_body(page(self.server.version))


@contextmanager
def serve_changing_app() -> Iterator[tuple[str, ChangingServer]]:
    """(base URL, server): set `server.version = 2` to change the app between two runs."""
    server = ChangingServer(("127.0.0.1", 0), ChangingHandler)
    with serve(server, "changing-app") as base_url:
        yield base_url, server
