"""Take the README's screenshots: each audience's main page, showing only generated demo data.

    DEBUG=true .venv/bin/python docs/screenshots.py        # or: make screenshots

It builds a throw-away embedded default (SQLite in a temporary VAR_DIR, never var/run/), loads the demo data
with ``seed_demo`` (a synthetic case, "Alex Demo", with a generated picture), starts the development server on a
free loopback port, signs in as the demo victim (reference + access code), the demo advocate and the demo
X staff member, and writes 1200-px-wide PNGs into docs/img/. Nothing leaves the machine: background work runs
in-process, URL verification and host lookups are off, and the browser may reach only the local server.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "img"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
WIDTH = 1200
MAX_HEIGHT = 1500
DEMO_PASSWORD = "demo-recourse-2026"
ADVOCATE = "advocate@demo.recourse.test"
PLATFORM_STAFF = "safety@x.demo.recourse.test"


def _environment(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CACHE_URL", "EMAIL_URL"}}
    env.update(
        DEBUG="true",
        DJANGO_SETTINGS_MODULE="portal.settings",
        VAR_DIR=str(var_dir),
        # Tasks run inside the command or request that enqueues them: no worker to start, nothing left pending.
        CELERY_TASK_ALWAYS_EAGER="true",
        # The demo URLs name real platforms: never fetch or look them up from here.
        VERIFY_LOCATIONS="false",
        IDENTIFY_HOSTS="false",
        STAFF_2FA_REQUIRED="false",
        PYTHONUNBUFFERED="1",
    )
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the development server exited before it answered")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the development server did not answer at {url} within {timeout} s")


def _save(page, name: str) -> Path:
    """A full-page PNG, at most MAX_HEIGHT tall, reduced to a 256-colour palette (screens of flat colour and
    text lose nothing visible, and the file shrinks several times)."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    height = min(MAX_HEIGHT, page.evaluate("document.documentElement.scrollHeight"))
    page.screenshot(path=str(path), clip={"x": 0, "y": 0, "width": WIDTH, "height": height}, full_page=True)
    with Image.open(path) as shot:
        small = shot.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)
    return path


def _staff_sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url(re.compile(r".*/dashboard/.*"))


def take(base: str, reference: str, access_code: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    shots = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)

        def fresh_page():
            context = browser.new_context(locale="en-US", viewport={"width": WIDTH, "height": 900})
            page = context.new_page()
            page.set_default_timeout(20_000)
            # Only the local server: links to outside services are answered by an empty local page.
            page.route(lambda url: not url.startswith(base), lambda route: route.fulfill(status=204, body=""))
            return context, page

        context, page = fresh_page()
        page.goto(base + "/report/")
        shots.append(_save(page, "victim-intake"))
        page.goto(base + "/case/sign-in/")
        page.fill("input[name=reference]", reference)
        page.fill("input[name=access_code]", access_code)
        page.press("input[name=access_code]", "Enter")
        page.wait_for_url(re.compile(r".*/case/$"))
        shots.append(_save(page, "victim-status"))
        context.close()

        context, page = fresh_page()
        _staff_sign_in(page, base, ADVOCATE)
        shots.append(_save(page, "advocate-board"))
        context.close()

        context, page = fresh_page()
        _staff_sign_in(page, base, PLATFORM_STAFF)
        shots.append(_save(page, "platform-inbox"))
        context.close()
        browser.close()
    return shots


def main() -> int:
    if not Path(CHROMIUM).exists():
        print(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="recourse-screens-") as tmp:
        env = _environment(Path(tmp))
        _manage(env, "migrate", "--noinput")
        seeded = _manage(env, "seed_demo")
        found = re.search(r"Demo case (\S+), access code (\S+)", seeded)
        if not found:
            print("seed_demo did not print the demo case:\n" + seeded, file=sys.stderr)
            return 1
        # What beat would have done by now: the deadline sweep marks the overdue notice and times the board.
        _manage(env, "sweep_deadlines")
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_until_up(base, server)
            for path in take(base, found.group(1), found.group(2)):
                print(f"{path.relative_to(ROOT)}  {path.stat().st_size // 1024} KiB")
        finally:
            server.terminate()
            server.wait(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
