"""Screenshot built pages in headless Chromium, as a reader sees them (viewport-sized tiles).

    python tools/screenshot.py _build/html/book/intro_rnn.html out_prefix [--tiles 4] [--width 1200]

Writes out_prefix-0.png, out_prefix-1.png, ... scrolling down the page. Needs Debian's chromium.
"""
import argparse
import http.server
import threading
from functools import partial
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("page")
    ap.add_argument("prefix")
    ap.add_argument("--tiles", type=int, default=4)
    ap.add_argument("--width", type=int, default=1200)
    ap.add_argument("--height", type=int, default=900)
    a = ap.parse_args()
    page_path = Path(a.page).resolve()
    root = page_path.parent
    while not (root / "_static").exists() and root != root.parent:
        root = root.parent
    handler = partial(Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/{page_path.relative_to(root).as_posix()}"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": a.width, "height": a.height})
        page.goto(url, wait_until="networkidle")
        page.wait_for_timeout(1500)  # MathJax typesetting
        total = page.evaluate("document.documentElement.scrollHeight")
        for i in range(a.tiles):
            y = i * (a.height - 100)
            if y >= total:
                break
            page.evaluate(f"window.scrollTo(0, {y})")
            page.wait_for_timeout(200)
            page.screenshot(path=f"{a.prefix}-{i}.png")
            print(f"{a.prefix}-{i}.png")
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
