"""In a real browser: the live map draws zones without a tile server and moves a position live; an
alert raised by a device appears in the queue at once and an operator works it; a probation officer
draws zones (a circle, a corridor); an order's track is replayed after a purpose and a legal basis are
given."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from qorgau.monitoring.domain.geometry import haversine_m
from tests.e2e.conftest import ADMIN_PASSWORD, ARTIFACTS

pytestmark = pytest.mark.e2e

DEVICE = "868000000000201"
ORDER = "e2e-order-1"
HOME = (43.2380, 76.9450)
MARKET = [[76.9600, 43.2400], [76.9660, 43.2400], [76.9660, 43.2440], [76.9600, 43.2440], [76.9600, 43.2400]]
INSIDE_MARKET = (43.2420, 76.9630)


@dataclass
class MonitoringData:
    token: str


@pytest.fixture(scope="module")
def monitoring(server: Any, tmp_path_factory: pytest.TempPathFactory) -> MonitoringData:
    """An operator and a probation officer, an order with a home circle and an exclusion polygon,
    and a token for the order's device — added through the command line, as an administrator would."""
    env = {
        **os.environ,
        "QORGAU_DATA_DIR": str(server.data_dir),
        "QORGAU_ENVIRONMENT": "test",
        "QORGAU_USER_PASSWORD": ADMIN_PASSWORD,
    }
    cli = [sys.executable, "-m", "qorgau.cli"]
    for username, role in (("mon_operator", "operator"), ("mon_officer", "probation_officer")):
        subprocess.run(
            [*cli, "users", "add", "--username", username, "--role", role],
            env=env,
            check=True,
            capture_output=True,
        )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    bundle = {
        "people": [{"id": "e2e-p1", "name": "Серик Болатович Нуржанов", "birth_date": "1990-04-12"}],
        "orders": [
            {
                "id": ORDER,
                "person": "e2e-p1",
                "kind": "probation",
                "basis": {
                    "court": "Медеуский районный суд г. Алматы",
                    "number": "1-77/2026",
                    "date": "2026-02-01",
                },
                "start": (now - dt.timedelta(minutes=20)).isoformat(),
                "end": (now + dt.timedelta(days=180)).isoformat(),
                "device": DEVICE,
                "supervising_officer": "mon_officer",
                "zones": [
                    {
                        "id": "home",
                        "kind": "inclusion",
                        "shape": {"type": "circle", "lat": HOME[0], "lon": HOME[1], "radius_m": 200},
                        "schedule": {"tz": "Asia/Almaty", "windows": [{"from": "22:00", "to": "06:00"}]},
                    },
                    {
                        "id": "market",
                        "kind": "exclusion",
                        "shape": {"type": "Polygon", "coordinates": [MARKET]},
                        "schedule": None,
                    },
                ],
            }
        ],
        "fixes": [
            {
                "device": DEVICE,
                "time": (now - dt.timedelta(minutes=minutes)).isoformat(),
                "lat": HOME[0] + 0.0004 * minutes,
                "lon": HOME[1] + 0.0006 * minutes,
                "speed_kmh": 4.0,
                "battery": 90,
                "event": None,
            }
            for minutes in range(15, 0, -1)
        ],
    }
    path = tmp_path_factory.mktemp("e2e-monitoring") / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    subprocess.run([*cli, "monitoring", "import", str(path)], env=env, check=True, capture_output=True)
    issued = subprocess.run(
        [*cli, "monitoring", "device-token", DEVICE, "--json"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return MonitoringData(token=json.loads(issued.stdout)["token"])


def send_fix(server: Any, monitoring: MonitoringData, lat: float, lon: float, **extra: Any) -> None:
    """The device reports through the batch API with its own token."""
    fix = {
        "time": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "lat": lat,
        "lon": lon,
        **extra,
    }
    response = httpx.post(
        f"{server.url}/api/v1/monitoring/fixes",
        json={"fixes": [fix]},
        headers={"Authorization": f"Bearer {monitoring.token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text


def send_osmand(server: Any, lat: float, lon: float, battery: int) -> None:
    """The device reports as the Traccar Client does, to the OsmAnd listener."""
    params = {"id": DEVICE, "lat": lat, "lon": lon, "batt": battery, "speed": 2.7}
    response = httpx.get(f"http://127.0.0.1:{server.osmand_port}/", params=params, timeout=10)
    assert response.status_code == 200, response.text


def sign_in(browser: Any, server: Any, username: str, path: str, language: str = "ru") -> Any:
    """A fresh browser signed in as ``username`` on ``path``, in ``language`` (the UI's switch)."""
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale=f"{language}-KZ")
    page.goto(f"{server.url}{path}")
    page.fill("#username", username)
    page.fill("#password", ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}{path}")
    if page.locator("html").get_attribute("lang") != language:
        page.goto(f"{server.url}/lang/{language}?next={path}")
        page.wait_for_url(f"{server.url}{path}")
    assert page.locator("html").get_attribute("lang") == language
    return page


def test_the_live_map_draws_zones_without_a_tile_server_and_moves_a_position(
    server: Any, browser: Any, monitoring: MonitoringData
) -> None:
    page = sign_in(browser, server, "mon_operator", "/monitoring")
    page.wait_for_selector("#live-map .leaflet-overlay-pane path")
    assert page.locator("#live-map .leaflet-overlay-pane path").count() >= 2  # the circle and the polygon
    assert page.locator("#live-map img.leaflet-tile").count() == 0  # no tile was asked for
    assert page.locator("#live-map canvas.leaflet-tile").count() > 0  # the graticule drawn instead
    assert "Простой фон" in page.locator(".leaflet-control-attribution").inner_text()
    page.wait_for_selector("#live-status[data-state=connected]")

    send_osmand(server, HOME[0] + 0.001, HOME[1] + 0.001, battery=88)
    label = page.locator(".mon-label", has_text="Серик Болатович")
    label.wait_for()
    page.wait_for_function(
        "document.querySelector('[data-order-meta]').textContent.includes('88%')", timeout=5000
    )
    page.screenshot(path=str(ARTIFACTS / "monitoring-map.png"), full_page=True)
    page.close()


def test_an_operator_sees_a_live_alert_and_works_it(
    server: Any, browser: Any, monitoring: MonitoringData
) -> None:
    page = sign_in(browser, server, "mon_operator", "/monitoring/alerts")
    page.wait_for_selector("#live-status[data-state=connected]")
    # Count exclusion alerts only: the home curfew (22:00–06:00 Almaty) may rightly raise an inclusion
    # alert of its own while this runs, depending on the time of day.
    exclusion_rows = page.locator("#queue-body tr", has_text="Нарушение запретной зоны")
    before = exclusion_rows.count()

    send_fix(server, monitoring, *INSIDE_MARKET, speed_kmh=12.0)
    row = page.locator("#queue-body tr.fresh", has_text="Нарушение запретной зоны")
    row.wait_for(timeout=5000)
    assert exclusion_rows.count() == before + 1
    assert "Серик Болатович Нуржанов" in row.inner_text()
    assert page.evaluate("document.body.getAttribute('data-last-cue')").startswith("alert-")
    assert "Новая тревога" in page.locator("#queue-announcer").inner_text()
    page.screenshot(path=str(ARTIFACTS / "monitoring-queue.png"), full_page=True)

    row.get_by_role("button", name="Принять").click()
    row.locator(".badge.status", has_text="Принята").wait_for()
    row.get_by_role("button", name="Направить группу…").click()
    dialog = page.locator("#dispatch-dialog")
    dialog.get_by_label("Группа реагирования").fill("Экипаж 12, Медеуский РУП")
    dialog.get_by_label("Примечание").fill("Субъект на рынке, выехали")
    dialog.get_by_role("button", name="Направить", exact=True).click()
    row.locator(".badge.status", has_text="Группа направлена").wait_for()

    row.get_by_role("button", name="Закрыть…").click()
    resolve = page.locator("#resolve-dialog")
    resolve.get_by_label("Результат").select_option("person_contacted")
    resolve.get_by_role("button", name="Закрыть", exact=True).click()
    row.wait_for(state="detached")  # resolved alerts leave the open queue
    page.close()


def test_the_queue_works_from_the_keyboard(server: Any, browser: Any, monitoring: MonitoringData) -> None:
    page = sign_in(browser, server, "mon_operator", "/monitoring/alerts", language="en")
    page.wait_for_selector("#live-status[data-state=connected]")
    send_fix(server, monitoring, *HOME, event="tamper")
    row = page.locator("#queue-body tr", has_text="Tampering with the device")
    row.wait_for(timeout=5000)
    row.get_by_role("button", name="Acknowledge").focus()
    page.keyboard.press("Enter")
    row.locator(".badge.status", has_text="Acknowledged").wait_for()
    row.get_by_role("button", name="Resolve…").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "outcome"  # focus moves into the dialog
    page.keyboard.press("Escape")  # a native dialog closes with Escape
    assert not page.locator("#resolve-dialog").evaluate("dialog => dialog.open")
    page.close()


def test_an_officer_draws_a_circle_and_a_corridor_and_replays_the_track(
    server: Any, browser: Any, monitoring: MonitoringData
) -> None:
    page = sign_in(browser, server, "mon_officer", f"/monitoring/orders/{ORDER}/zones", language="en")
    page.wait_for_selector("#zone-map .leaflet-overlay-pane path")
    page.get_by_role("button", name="Draw a circle").click()
    box = page.locator("#zone-map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    page.mouse.click(box["x"] + box["width"] * 0.3 + 40, box["y"] + box["height"] * 0.3)
    assert float(page.input_value("#circle_radius")) > 0
    page.fill("#zone_id", "school-7")
    page.select_option("#zone_kind", "exclusion")
    page.get_by_role("button", name="Save the zone").click()
    page.locator("#zone-list li", has_text="school-7").wait_for()

    # A corridor: the route to work, clicked point by point, 120 m wide.
    page.get_by_role("button", name="Draw a corridor").click()
    assert page.is_checked('input[name="shape_type"][value="corridor"]')
    route = [(0.55, 0.75), (0.65, 0.55), (0.8, 0.5)]
    for x, y in route:
        page.mouse.click(box["x"] + box["width"] * x, box["y"] + box["height"] * y)
    assert len(page.input_value("#corridor_points").splitlines()) == 3
    page.get_by_role("button", name="Finish the shape").click()
    page.fill("#corridor_width", "120")
    page.fill("#zone_id", "route-to-work")
    page.select_option("#zone_kind", "inclusion")
    page.get_by_role("button", name="Save the zone").click()
    saved = page.locator("#zone-list li", has_text="route-to-work")
    saved.wait_for()
    assert "corridor 120 m wide" in saved.inner_text()
    assert page.input_value("#corridor_points") == ""  # the saved shape has left the form
    page.screenshot(path=str(ARTIFACTS / "monitoring-zones.png"), full_page=True)

    stored = page.request.get(f"{server.url}/api/v1/monitoring/orders/{ORDER}/zones")
    assert stored.ok, stored.text()
    zones = {zone["id"]: zone for zone in stored.json()["zones"]}
    corridor = zones["route-to-work"]
    assert corridor["kind"] == "inclusion" and corridor["schedule"] is None
    assert corridor["shape"]["type"] == "corridor" and corridor["shape"]["width_m"] == 120
    line = corridor["shape"]["coordinates"]
    assert len(line) == 3 and all(len(point) == 2 for point in line)
    assert line[0][0] < line[1][0] < line[2][0]  # [lon, lat], west to east as clicked
    assert line[0][1] < line[1][1]  # the second point was clicked north of the first
    # The band on the map is as wide as the corridor: 120 m at the scale of the clicks.
    band = page.locator("#zone-map path.mon-corridor-band")
    assert band.count() == 1
    clicked = math.dist(
        (box["width"] * route[0][0], box["height"] * route[0][1]),
        (box["width"] * route[1][0], box["height"] * route[1][1]),
    )
    metres_per_pixel = haversine_m(line[0][1], line[0][0], line[1][1], line[1][0]) / clicked
    drawn = float(band.get_attribute("stroke-width") or "0")
    assert drawn == pytest.approx(120 / metres_per_pixel, rel=0.05)

    page.goto(f"{server.url}/monitoring/orders/{ORDER}")
    assert page.locator("#playback").is_hidden()
    page.fill("#purpose", "checking compliance with the order")
    page.fill("#legal_basis", "order 1-77/2026 of the Medeu court")
    page.get_by_role("button", name="Show the track").click()
    page.locator("#playback").wait_for()
    slider = page.locator("#track-slider")
    assert int(slider.get_attribute("max") or "0") >= 10
    slider.focus()
    page.keyboard.press("Home")
    first = page.locator("#track-time").inner_text()
    page.keyboard.press("End")
    assert page.locator("#track-time").inner_text() != first
    page.close()
