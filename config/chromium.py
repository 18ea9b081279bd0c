"""How to launch Debian's chromium on these machines (docs/machines.md, "A real browser"):
Playwright's own browser download needs internet, and these flags keep a headless chromium
from reaching for it. One list for the tests, the benchmarks and the screenshot scripts."""

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
