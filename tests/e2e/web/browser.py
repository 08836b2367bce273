"""How a person uses the workspace, as helpers: sign in, wait for the map, click a place."""

from __future__ import annotations

from playwright.sync_api import Browser, Page

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def open_page(browser: Browser, viewport=DESKTOP, **context_args) -> Page:
    context = browser.new_context(viewport=viewport, **context_args)
    page = context.new_page()
    page.errors = []
    page.csp_violations = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.on(
        "console",
        lambda m: (
            page.csp_violations.append(m.text) if "Content Security Policy" in m.text else None
        ),
    )
    page.on("dialog", lambda d: (page.errors.append(f"dialog: {d.message}"), d.dismiss()))
    return page


def sign_in(page: Page, server: str, token: str, then: str = "/") -> Page:
    page.goto(f"{server}/login?next={then}")
    page.fill("#token", token)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state("domcontentloaded")
    return page


def wait_for_map(page: Page) -> None:
    # Attribute waits, not wait_for_function: the CSP forbids the eval() that would need.
    page.locator("body[data-map-ready='1']").wait_for(state="attached")


def click_at(page: Page, lon: float, lat: float) -> None:
    """Click the map at a place (the map projects it to a pixel, as the eye would)."""
    x, y = _pixel(page, lon, lat)
    page.mouse.click(x, y)


def dblclick_at(page: Page, lon: float, lat: float) -> None:
    x, y = _pixel(page, lon, lat)
    page.mouse.dblclick(x, y)


PROJECT = (
    "([lon, lat]) => { const p = window.infrashareMap.project([lon, lat]); return [p.x, p.y]; }"
)


def _pixel(page: Page, lon: float, lat: float) -> tuple[float, float]:
    x, y = page.evaluate(PROJECT, [lon, lat])
    box = page.locator("#map").bounding_box()
    return box["x"] + x, box["y"] + y


def goto_map(page: Page, server: str, path: str, lon: float, lat: float, zoom: float = 16):
    """Open a map page at a view (a permalink), and wait until it is interactive."""
    page.goto(f"{server}{path}#map={zoom}/{lat}/{lon}")
    wait_for_map(page)
