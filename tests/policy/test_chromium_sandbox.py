"""Chromium's sandbox (CHROMIUM_SANDBOX, planwright/browser/launch.py): as a non-root user — the images'
uid 10001; here a user the test makes when it runs as root — Chromium launched through our own launch
code with the sandbox on loads a real page, and its renderers really are sandboxed (seccomp-bpf
filter on, no --no-sandbox anywhere). Where the kernel forbids this user a user namespace the test
fails, with the reason, rather than skip. As root, `auto` turns it off and says why."""

from __future__ import annotations

import logging
import os
import pwd
import re
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from planwright.browser.launch import SYSTEM_CHROMIUM, BrowserHolder, sandbox_decision, user_namespace_refusal
from planwright.settings import get_settings

SANDBOX_USER = "planwright-sandbox"
T = TypeVar("T")


def sandbox_user() -> pwd.struct_passwd:
    """A non-root user for Chromium: this one when not root, else a system user made for the purpose."""
    if os.geteuid() != 0:
        return pwd.getpwuid(os.geteuid())
    try:
        return pwd.getpwnam(SANDBOX_USER)
    except KeyError:
        made = subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SANDBOX_USER],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        if made.returncode != 0 and "already exists" not in made.stderr:
            pytest.fail(
                f"running as root but cannot make a non-root user for Chromium: {made.stderr.strip()}"
            )
        return pwd.getpwnam(SANDBOX_USER)


@pytest.fixture
def non_root_chromium(tmp_path: Path) -> Iterator[tuple[str, int]]:
    """The Chromium to launch as the non-root user (a wrapper that drops to it when we are root), and
    that user's uid."""
    user = sandbox_user()
    run_as = (
        []
        if os.geteuid() != 0
        else ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"]
    )
    refusal = user_namespace_refusal(run_as)
    if refusal is not None:
        pytest.fail(f"Chromium's sandbox cannot run as {user.pw_name} on this machine: {refusal}")
    if not run_as:
        yield SYSTEM_CHROMIUM, user.pw_uid
        return
    home = Path(tempfile.mkdtemp(prefix="planwright-sandbox-home-", dir="/tmp"))
    os.chown(home, user.pw_uid, user.pw_gid)
    wrapper = tmp_path / "chromium-as-user"
    wrapper.write_text(
        "#!/bin/sh\n"
        "# Playwright made the profile directory as root: hand it to the user, then become the user.\n"
        'for arg in "$@"; do case "$arg" in --user-data-dir=*) '
        f'chown -R {user.pw_uid}:{user.pw_gid} "${{arg#--user-data-dir=}}";; esac; done\n'
        f"export HOME={home}\n"
        f'exec {" ".join(run_as)} {SYSTEM_CHROMIUM} "$@"\n'
    )
    wrapper.chmod(0o755)
    try:
        yield str(wrapper), user.pw_uid
    finally:
        subprocess.run(["rm", "-rf", str(home)], timeout=60, check=False)


def chromium_processes(uid: int) -> list[tuple[str, int, bool]]:
    """(process type, seccomp mode, has --no-sandbox) of every Chromium process of `uid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            status = (entry / "status").read_text()
        except OSError:
            continue
        owner = re.search(r"^Uid:\s+(\d+)", status, re.M)
        if "chromium" not in cmdline or owner is None or int(owner.group(1)) != uid:
            continue
        kind = re.search(r"--type=([a-z-]+)", cmdline)
        seccomp = re.search(r"^Seccomp:\s+(\d+)", status, re.M)
        found.append((kind.group(1) if kind else "browser", int(seccomp.group(1)) if seccomp else -1,
                      "--no-sandbox" in cmdline))  # fmt: skip
    return found


def in_own_thread(work: Callable[[], T]) -> T:
    """Run `work` in a thread of its own: Playwright's sync API allows one instance per thread, and the
    suite's shared browser may already hold this one."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # noqa: BLE001 - re-raised below, in the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(300)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.fixture
def sandbox_setting(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    yield monkeypatch
    monkeypatch.undo()
    get_settings.cache_clear()


def test_chromium_runs_sandboxed_as_a_non_root_user(
    non_root_chromium: tuple[str, int], fixture_site: str, sandbox_setting: pytest.MonkeyPatch
) -> None:
    executable, uid = non_root_chromium
    sandbox_setting.setenv("CHROMIUM_PATH", executable)
    sandbox_setting.setenv("CHROMIUM_SANDBOX", "true")
    get_settings.cache_clear()

    def load_a_page() -> tuple[str, list[tuple[str, int, bool]]]:
        holder = BrowserHolder()
        try:
            page = holder.browser.new_page()
            page.goto(f"{fixture_site}/", wait_until="load")
            return page.locator("h1").first.inner_text(), chromium_processes(uid)
        finally:
            holder.close()

    heading, processes = in_own_thread(load_a_page)
    assert heading.strip(), "the page did not load"
    renderers = [seccomp for kind, seccomp, _ in processes if kind == "renderer"]
    assert renderers, f"no renderer of uid {uid} found: {processes}"
    assert all(seccomp == 2 for seccomp in renderers), (
        f"a renderer without its seccomp-bpf sandbox: {processes}"
    )
    assert not any(no_sandbox for _, _, no_sandbox in processes), processes


def test_auto_is_off_as_root_and_says_why(
    caplog: pytest.LogCaptureFixture, sandbox_setting: pytest.MonkeyPatch
) -> None:
    assert sandbox_decision("auto", euid=0) == (
        False,
        "running as root, where Chromium's sandbox cannot run (run as a non-root user, as the images do)",
    )
    assert sandbox_decision("false") == (False, "CHROMIUM_SANDBOX=false")
    assert sandbox_decision("true", euid=0) == (True, "CHROMIUM_SANDBOX=true")
    sandbox_setting.setenv("CHROMIUM_SANDBOX", "auto")
    get_settings.cache_clear()
    expected_on, why = sandbox_decision("auto")

    def open_a_page() -> str:
        holder = BrowserHolder()
        try:
            page = holder.browser.new_page()
            page.set_content("<h1>ok</h1>")
            return page.inner_text("h1")
        finally:
            holder.close()

    with caplog.at_level(logging.INFO, logger="planwright.browser"):
        assert in_own_thread(open_a_page) == "ok"  # the suite's browser as root works as before
    lines = [record for record in caplog.records if record.name == "planwright.browser"]
    assert len(lines) == 1 and why in lines[0].getMessage()
    if expected_on:
        assert lines[0].levelno == logging.INFO and "browser.sandbox.on" in lines[0].getMessage()
    else:  # loudly: a warning naming the reason
        assert lines[0].levelno == logging.WARNING and "browser.sandbox.off" in lines[0].getMessage()
