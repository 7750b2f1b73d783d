"""`make run`: web and worker together for local use; Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

PORT = os.environ.get("PORT", "5000")


def main() -> int:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    web = subprocess.Popen([sys.executable, "-m", "flask", "--app", "bot", "run",
                            "--port", PORT, "--no-reload"], env=env)
    worker = subprocess.Popen([sys.executable, "-m", "bot.worker"], env=env)
    children = (web, worker)
    time.sleep(1.0)
    from bot.cli.demo import DEMO_PASSWORD

    print(f"\n  Knuff is running.\n"
          f"  Phone simulator: http://127.0.0.1:{PORT}/simulator\n"
          f"  Staff app:       http://127.0.0.1:{PORT}/login  (demo accounts: "
          f"sara@demo.knuff.se, tolk@demo.knuff.se, admin@demo.knuff.se; "
          f"password {DEMO_PASSWORD})\n"
          "  Press Ctrl-C to stop.\n", flush=True)

    def stop(*_args) -> None:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.3)
    finally:
        stop()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
    return max(child.returncode or 0 for child in children)


if __name__ == "__main__":
    sys.exit(main())
