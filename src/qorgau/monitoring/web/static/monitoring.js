/* Qorgau monitoring center: live map, alert queue, track playback, zone editor.
 *
 * No framework and nothing from the internet: Leaflet comes from /static/leaflet. The pages hand
 * their data as JSON <script> blocks; every string shown comes translated in #monitoring-i18n.
 * Live updates arrive over Server-Sent Events (/monitoring/live); changes go to the API with the
 * session's CSRF token in the X-CSRF-Token header.
 */
(function () {
  "use strict";

  var T = readJson("monitoring-i18n") || {};
  var ALMATY = "Asia/Almaty";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function t(key, values) {
    var text = T[key] || key;
    if (values) {
      Object.keys(values).forEach(function (name) {
        text = text.replace("%(" + name + ")s", values[name]);
      });
    }
    return text;
  }

  function label(group, value) {
    return (T[group] && T[group][value]) || value || "";
  }

  function pageLang() {
    return document.documentElement.lang || "ru";
  }

  function formatTime(iso) {
    if (!iso) return "—";
    var date = new Date(iso);
    if (isNaN(date.getTime())) return iso;
    try {
      return date.toLocaleString(pageLang() === "kk" ? "kk-KZ" : pageLang(), {
        timeZone: ALMATY, year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit"
      });
    } catch (error) {
      return date.toISOString();
    }
  }

  function localiseTimes(root) {
    (root || document).querySelectorAll("time[data-local]").forEach(function (node) {
      node.textContent = formatTime(node.getAttribute("datetime"));
    });
  }

  function element(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (name === "text") node.textContent = attributes[name];
      else if (name === "className") node.className = attributes[name];
      else node.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function csrfToken() {
    var holder = document.querySelector("[data-csrf]");
    return holder ? holder.getAttribute("data-csrf") : "";
  }

  /** Call the API; resolves with the JSON answer, rejects with an Error carrying the problem. */
  function api(method, url, body) {
    var options = {
      method: method,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrfToken() }
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      if (response.status === 204) return null;
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error((data && (data.detail || data.title)) || t("failed"));
          error.problem = data;
          throw error;
        }
        return data;
      });
    });
  }

  // --- the map -----------------------------------------------------------------------------------

  /** A light graticule drawn on canvas tiles: the background when no tile server is configured. */
  var Graticule = L.GridLayer.extend({
    createTile: function (coords) {
      var size = this.getTileSize();
      var tile = document.createElement("canvas");
      tile.width = size.x;
      tile.height = size.y;
      var context = tile.getContext("2d");
      context.fillStyle = "#f4f6f9";
      context.fillRect(0, 0, size.x, size.y);
      var map = this._map;
      var origin = coords.scaleBy(size);
      var northWest = map.unproject(origin, coords.z);
      var southEast = map.unproject(origin.add(size), coords.z);
      var span = Math.abs(southEast.lng - northWest.lng);
      var step = niceStep(span / 4);
      var major = step * 5;
      context.font = "10px sans-serif";
      context.textBaseline = "top";
      function line(isMajor) {
        context.strokeStyle = isMajor ? "#c3cad6" : "#e1e5ec";
        context.lineWidth = isMajor ? 1.2 : 1;
      }
      var lng, lat, x, y;
      for (lng = Math.ceil(northWest.lng / step) * step; lng <= southEast.lng; lng += step) {
        x = map.project([northWest.lat, lng], coords.z).x - origin.x;
        var majorLng = Math.abs(lng / major - Math.round(lng / major)) < 1e-6;
        line(majorLng);
        context.beginPath();
        context.moveTo(Math.round(x) + 0.5, 0);
        context.lineTo(Math.round(x) + 0.5, size.y);
        context.stroke();
        if (majorLng && coords.y % 3 === 0 && x < size.x - 70) {
          context.fillStyle = "#7b8496";
          context.fillText(lng.toFixed(decimals(step)) + "°E", x + 3, 3);
        }
      }
      for (lat = Math.ceil(southEast.lat / step) * step; lat <= northWest.lat; lat += step) {
        y = map.project([lat, northWest.lng], coords.z).y - origin.y;
        var majorLat = Math.abs(lat / major - Math.round(lat / major)) < 1e-6;
        line(majorLat);
        context.beginPath();
        context.moveTo(0, Math.round(y) + 0.5);
        context.lineTo(size.x, Math.round(y) + 0.5);
        context.stroke();
        if (majorLat && coords.x % 3 === 0 && y < size.y - 14) {
          context.fillStyle = "#7b8496";
          context.fillText(lat.toFixed(decimals(step)) + "°N", 3, y + 3);
        }
      }
      return tile;
    }
  });

  function niceStep(raw) {
    var power = Math.pow(10, Math.floor(Math.log10(raw)));
    var unit = raw / power;
    return (unit < 1.5 ? 1 : unit < 3.5 ? 2 : unit < 7.5 ? 5 : 10) * power;
  }

  function decimals(step) {
    return Math.max(0, Math.min(6, -Math.floor(Math.log10(step)) + 1));
  }

  function baseMap(id) {
    var config = readJson("monitoring-map-config") || {};
    // No fading: the graticule's tiles are drawn at once, and a fading old zoom level only blurs them.
    var map = L.map(id, { zoomControl: true, keyboard: true, fadeAnimation: false });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { maxZoom: 19, attribution: config.tileAttribution || "" }).addTo(map);
    } else {
      new Graticule({ maxZoom: 19, attribution: t("plain_background") }).addTo(map);
    }
    map.monitoringDefault = { center: config.center || [43.2475, 76.935], zoom: config.zoom || 13 };
    // A view from the start: circles need a projection to measure their bounds.
    map.setView(map.monitoringDefault.center, map.monitoringDefault.zoom, { animate: false });
    return map;
  }

  /** Show ``bounds`` (padded), or the configured default view when there is nothing to show. */
  function showArea(map, bounds, padding) {
    if (bounds && bounds.isValid()) {
      map.fitBounds(bounds.pad(padding), { animate: false, maxZoom: 17 });
    } else {
      map.setView(map.monitoringDefault.center, map.monitoringDefault.zoom, { animate: false });
    }
  }

  var ZONE_STYLE = {
    inclusion: { color: "#067647", weight: 2, dashArray: "6 4", fillColor: "#12b76a", fillOpacity: 0.12 },
    exclusion: { color: "#b42318", weight: 2, fillColor: "#f04438", fillOpacity: 0.18 }
  };

  function scheduleText(schedule) {
    if (!schedule) return t("always");
    return (schedule.windows || []).map(function (w) { return w.from + "–" + w.to; }).join(", ");
  }

  /** "kind (schedule)", with the width of a corridor: what a zone is, in one line. */
  function zoneSummary(zone) {
    var shape = zone.shape || {};
    var type = String(shape.type || "").toLowerCase();
    var text = label("zone_kinds", zone.kind);
    if ((type === "corridor" || type === "linestring") && shape.width_m) {
      text += ", " + t("corridor_label", { width: Math.round(Number(shape.width_m)) });
    }
    return text + " (" + scheduleText(zone.schedule) + ")";
  }

  /** Metres per screen pixel at ``lat`` and the map's zoom (Web Mercator, 256-pixel tiles). */
  function metresPerPixel(map, lat) {
    return 40075016.686 * Math.abs(Math.cos(lat * Math.PI / 180)) / Math.pow(2, map.getZoom() + 8);
  }

  /**
   * A corridor (a route ``latlngs`` and a width in metres) drawn as what the rules check: every
   * point within half the width of the route. A stroke of that width with round caps and joins is
   * exactly that band; its width in pixels follows the zoom. A dashed line marks the route itself.
   */
  var CorridorLayer = L.FeatureGroup.extend({
    initialize: function (latlngs, widthM, style) {
      this._widthM = widthM;
      this._band = L.polyline(latlngs, {
        color: style.fillColor || style.color, opacity: Math.min(0.45, (style.fillOpacity || 0.15) * 2),
        weight: 4, lineCap: "round", lineJoin: "round", className: "mon-corridor-band"
      });
      this._route = L.polyline(latlngs, {
        color: style.color, weight: 2, opacity: 0.9, dashArray: "6 4", className: "mon-corridor-route"
      });
      L.FeatureGroup.prototype.initialize.call(this, [this._band, this._route]);
    },
    onAdd: function (map) {
      L.FeatureGroup.prototype.onAdd.call(this, map);
      map.on("zoomend viewreset", this._fit, this);
      this._fit();
    },
    onRemove: function (map) {
      map.off("zoomend viewreset", this._fit, this);
      L.FeatureGroup.prototype.onRemove.call(this, map);
    },
    setWidth: function (widthM) {
      this._widthM = widthM;
      this._fit();
      return this;
    },
    _fit: function () {
      if (!this._map) return;
      var lat = this._route.getBounds().getCenter().lat;
      this._band.setStyle({ weight: Math.max(3, this._widthM / metresPerPixel(this._map, lat)) });
    }
  });

  function corridorLayer(latlngs, widthM, style) {
    return new CorridorLayer(latlngs, widthM, style);
  }

  /** A Leaflet layer for a zone {id, kind, shape, schedule}, or null for an unknown shape. */
  function zoneLayer(zone, owner) {
    var shape = zone.shape || {};
    var style = ZONE_STYLE[zone.kind] || ZONE_STYLE.inclusion;
    var type = String(shape.type || "").toLowerCase();
    var layer = null;
    if (type === "circle") {
      layer = L.circle([shape.lat, shape.lon], L.extend({ radius: shape.radius_m }, style));
    } else if (type === "polygon") {
      layer = L.polygon((shape.coordinates || []).map(function (ring) {
        return ring.map(function (p) { return [p[1], p[0]]; });
      }), style);
    } else if (type === "corridor" || type === "linestring") {
      layer = corridorLayer((shape.coordinates || []).map(function (p) { return [p[1], p[0]]; }),
        Number(shape.width_m) || 0, style);
    }
    if (layer) {
      layer.bindTooltip((owner ? owner + " · " : "") + zone.id + " — " + zoneSummary(zone));
    }
    return layer;
  }

  var PALETTE = ["#0b5cad", "#7a2e8e", "#b54708", "#0e7490", "#4d7c0f", "#be185d", "#1d4ed8", "#92400e"];

  // --- the live channel --------------------------------------------------------------------------

  /** Open /monitoring/live for the kinds ``handlers`` names: {alert, alert_update, position, resync}. */
  function liveChannel(handlers) {
    var status = document.getElementById("live-status");
    function show(state) {
      if (!status) return;
      status.setAttribute("data-state", state);
      status.textContent = state === "connected" ? t("live_connected") : t("live_connecting");
    }
    if (!window.EventSource) return null;
    var kinds = Object.keys(handlers).filter(function (kind) { return kind !== "resync"; });
    var source = new EventSource("/monitoring/live" + (kinds.length < 3 ? "?kinds=" + (kinds.join(",") || "resync") : ""));
    source.onopen = function () { show("connected"); };
    source.onerror = function () { show("connecting"); };
    ["alert", "alert_update", "position", "resync"].forEach(function (kind) {
      source.addEventListener(kind, function (event) {
        var data = {};
        try { data = JSON.parse(event.data); } catch (error) { return; }
        if (handlers[kind]) handlers[kind](data);
      });
    });
    window.addEventListener("beforeunload", function () { source.close(); });
    return source;
  }

  // --- the sound cue -----------------------------------------------------------------------------

  var sound = {
    enabled: localStorage.getItem("qorgau.monitoring.sound") !== "off",
    audio: null,
    play: function (reason) {
      document.body.setAttribute("data-last-cue", reason || "alert");
      if (!this.enabled) return;
      if (!this.audio) this.audio = new Audio("/monitoring/beep.wav");
      var attempt = this.audio.cloneNode();
      var result = attempt.play();
      if (result && result.catch) {
        result.catch(function () {
          var hint = document.getElementById("sound-hint");
          if (hint) {
            hint.textContent = t("sound_blocked");
            hint.hidden = false;
            document.addEventListener("click", function () { hint.hidden = true; }, { once: true });
          }
        });
      }
    }
  };

  function soundToggle() {
    var button = document.getElementById("sound-toggle");
    if (!button) return;
    function render() {
      button.setAttribute("aria-pressed", sound.enabled ? "true" : "false");
      button.querySelector("[data-on]").hidden = !sound.enabled;
      button.querySelector("[data-off]").hidden = sound.enabled;
    }
    button.addEventListener("click", function () {
      sound.enabled = !sound.enabled;
      localStorage.setItem("qorgau.monitoring.sound", sound.enabled ? "on" : "off");
      render();
      if (sound.enabled) sound.play("test");
    });
    render();
  }

  function alertTitle(alert) {
    return label("alert_types", alert.type) + " — " + (alert.name || alert.person || "");
  }

  // --- page: live map ----------------------------------------------------------------------------

  function initLiveMap() {
    var overview = readJson("monitoring-overview") || { orders: [], positions: [] };
    var map = baseMap("live-map");
    var bounds = L.latLngBounds([]);
    var orders = {};
    var markers = {};
    var trails = {};
    var canTrack = document.getElementById("live-page").getAttribute("data-can-track") === "true";

    overview.orders.forEach(function (order, index) {
      order.color = PALETTE[index % PALETTE.length];
      orders[order.order_id] = order;
      (order.zones || []).forEach(function (zone) {
        var layer = zoneLayer(zone, order.name);
        if (layer) {
          layer.addTo(map);
          bounds.extend(layer.getBounds ? layer.getBounds() : layer.getLatLng());
        }
      });
    });

    function describe(order, position) {
      var parts = [formatTime(position.time)];
      if (position.speed_kmh !== null && position.speed_kmh !== undefined) {
        parts.push(Math.round(position.speed_kmh) + " " + t("km_h"));
      }
      if (position.battery !== null && position.battery !== undefined) {
        parts.push(t("battery") + " " + Math.round(position.battery) + "%");
      }
      return parts.join(" · ");
    }

    function place(position) {
      var order = orders[position.order_id];
      if (!order || position.lat === null || position.lat === undefined) return;
      var key = position.device;
      var latlng = [position.lat, position.lon];
      var marker = markers[key];
      if (!marker) {
        marker = L.circleMarker(latlng, {
          radius: 8, color: "#fff", weight: 2, fillColor: order.color, fillOpacity: 1
        }).addTo(map);
        marker.bindTooltip(shortName(order.name), {
          permanent: true, direction: "right", offset: [8, 0], className: "mon-label"
        });
        marker.bindPopup("");
        markers[key] = marker;
        trails[key] = L.polyline([], { color: order.color, weight: 3, opacity: 0.55 }).addTo(map);
      } else {
        marker.setLatLng(latlng);
      }
      var trail = trails[key];
      trail.addLatLng(latlng);
      var points = trail.getLatLngs();
      if (points.length > 40) trail.setLatLngs(points.slice(points.length - 40));
      var popup = element("div", {}, [
        element("strong", { text: order.name }), element("br"),
        t("order") + " " + order.order + " · " + position.device, element("br"),
        describe(order, position)
      ]);
      if (canTrack) {
        popup.appendChild(element("br"));
        popup.appendChild(element("a", { href: "/monitoring/orders/" + order.order_id, text: t("open_order") }));
      }
      marker.setPopupContent(popup);
      var meta = document.querySelector('[data-order-meta="' + order.order_id + '"]');
      if (meta) meta.textContent = t("last_fix") + ": " + describe(order, position);
    }

    function shortName(name) {
      // Surname and first name: enough to tell the markers apart without covering the map.
      return String(name || "").split(/\s+/).filter(Boolean).slice(0, 2).join(" ");
    }

    overview.positions.forEach(function (position) {
      place(position);
      bounds.extend([position.lat, position.lon]);
    });
    showArea(map, bounds, 0.15);

    document.querySelectorAll("[data-focus-order]").forEach(function (button) {
      button.addEventListener("click", function () {
        var order = orders[button.getAttribute("data-focus-order")];
        var found = order && order.devices.map(function (d) { return markers[d]; }).filter(Boolean)[0];
        if (found) {
          map.flyTo(found.getLatLng(), Math.max(map.getZoom(), 15));
          found.openTooltip();
        }
      });
    });

    var recent = document.getElementById("recent-alerts");
    (readJson("monitoring-recent-alerts") || []).slice().reverse().forEach(function (alert) {
      listAlert(alert, false);
    });
    function flagMarker(alert) {
      var marker = markers[alert.device];
      if (!marker) return;
      marker.setStyle({ fillColor: "#d92d20", radius: 11 });
      var tooltip = marker.getTooltip();
      if (tooltip && tooltip.getElement()) tooltip.getElement().classList.add("alerting");
      setTimeout(function () {
        var order = orders[alert.order_id];
        marker.setStyle({ fillColor: order ? order.color : PALETTE[0], radius: 8 });
        if (tooltip && tooltip.getElement()) tooltip.getElement().classList.remove("alerting");
      }, 30000);
    }
    function listAlert(alert, fresh) {
      if (orders[alert.order_id]) alert.name = orders[alert.order_id].name;
      var item = element("li", { className: fresh ? "fresh" : "" }, [
        element("strong", { text: alertTitle(alert) }),
        element("br"),
        element("span", { className: "muted", text: formatTime(alert.time) + " · " + label("statuses", alert.status) })
      ]);
      recent.insertBefore(item, recent.firstChild);
      while (recent.children.length > 8) recent.removeChild(recent.lastChild);
    }
    liveChannel({
      position: place,
      alert: function (alert) {
        listAlert(alert, true);
        flagMarker(alert);
        sound.play("alert-" + alert.id);
      }
    });
  }

  // --- page: alert queue -------------------------------------------------------------------------

  function initQueue() {
    var root = document.getElementById("queue-page");
    var canWork = root.getAttribute("data-can-work") === "true";
    var canTrack = root.getAttribute("data-can-track") === "true";
    var names = readJson("monitoring-names") || {};
    var body = document.getElementById("queue-body");
    var announcer = document.getElementById("queue-announcer");
    var count = document.getElementById("open-count");
    var empty = document.getElementById("queue-empty");
    var baseTitle = document.title;
    localiseTimes();
    soundToggle();

    function refreshCounts() {
      var rows = body.querySelectorAll("tr[data-alert-id]");
      count.textContent = rows.length;
      empty.hidden = rows.length > 0;
      var fresh = body.querySelectorAll('tr[data-status="new"]').length;
      document.title = (fresh ? "(" + fresh + ") " : "") + baseTitle;
    }

    function markOverdue() {
      var now = Date.now();
      body.querySelectorAll("tr[data-alert-id]").forEach(function (row) {
        var late = row.getAttribute("data-status") === "new" &&
          new Date(row.getAttribute("data-deadline")).getTime() <= now;
        row.classList.toggle("overdue", late);
        row.querySelector(".overdue-flag").hidden = !late;
      });
    }

    function actionButtons(row, alert) {
      var cell = row.querySelector("td.actions");
      cell.textContent = "";
      if (!canWork) return;
      function add(text, handler) {
        var button = element("button", { type: "button", text: text });
        button.addEventListener("click", function () { handler(button); });
        cell.appendChild(button);
      }
      if (alert.status === "new") {
        add(t("acknowledge"), function (button) {
          transition(alert.id, { to: "acknowledged" }, button);
        });
      }
      if (alert.status === "acknowledged") {
        add(t("dispatch"), function (button) { openDialog("dispatch-dialog", alert, button); });
      }
      if (alert.status === "acknowledged" || alert.status === "dispatched") {
        add(t("resolve"), function (button) { openDialog("resolve-dialog", alert, button); });
      }
    }

    function rowFor(alert) {
      var name = alert.name || names[String(alert.order_id)] || alert.person;
      var orderCell = canTrack
        ? element("a", { href: "/monitoring/orders/" + alert.order_id, text: alert.order })
        : document.createTextNode(alert.order);
      var status = element("td", { className: "status-cell" }, [
        element("span", { className: "badge status", text: label("statuses", alert.status) })
      ]);
      if (alert.escalated) {
        status.appendChild(document.createTextNode(" "));
        status.appendChild(element("span", { className: "badge bad", text: t("escalated") }));
      }
      if (alert.response_group) {
        status.appendChild(element("br"));
        status.appendChild(element("span", { className: "muted", text: alert.response_group }));
      }
      if (alert.outcome) {
        status.appendChild(element("br"));
        status.appendChild(element("span", { className: "muted", text: label("outcomes", alert.outcome) }));
      }
      var typeCell = element("td", {}, [element("span", { className: "alert-type", text: label("alert_types", alert.type) })]);
      if (alert.zone) {
        typeCell.appendChild(element("br"));
        typeCell.appendChild(element("span", { className: "muted", text: t("zone") + ": " + alert.zone }));
      }
      var row = element("tr", {
        id: "alert-" + alert.id,
        "data-alert-id": alert.id,
        "data-status": alert.status,
        "data-deadline": alert.ack_deadline,
        className: "alert-row status-" + alert.status + (alert.escalated ? " escalated" : "")
      }, [
        typeCell,
        element("td", {}, [name || "", element("br"), element("span", { className: "muted", text: alert.device })]),
        element("td", {}, [orderCell]),
        element("td", {}, [element("time", { datetime: alert.time, "data-local": "", text: formatTime(alert.time) })]),
        element("td", {}, [
          element("time", { datetime: alert.ack_deadline, "data-local": "", text: formatTime(alert.ack_deadline) }),
          " ",
          element("span", { className: "overdue-flag", hidden: "", text: t("overdue") })
        ]),
        status,
        element("td", { className: "actions" })
      ]);
      actionButtons(row, alert);
      return row;
    }

    /** Put ``alert`` in the table: a new row on top, or the existing row replaced in place. */
    function upsert(alert, fresh) {
      var existing = document.getElementById("alert-" + alert.id);
      if (alert.status === "resolved") {
        if (existing && existing.parentNode === body) existing.parentNode.removeChild(existing);
        refreshCounts();
        return;
      }
      var row = rowFor(alert);
      if (existing && existing.parentNode === body) {
        if (existing.classList.contains("fresh")) row.classList.add("fresh");
        body.replaceChild(row, existing);
      } else {
        body.insertBefore(row, body.firstChild);
      }
      if (fresh) {
        row.classList.add("fresh");
        setTimeout(function () { row.classList.remove("fresh"); }, 15000);
      }
      markOverdue();
      refreshCounts();
    }

    function transition(id, payload, button) {
      if (button) button.disabled = true;
      return api("POST", "/api/v1/monitoring/alerts/" + id + "/transitions", payload).then(function (record) {
        upsert(record, false);
        announcer.textContent = t("alert_changed") + ": " + alertTitle(record) + " — " + label("statuses", record.status);
        return record;
      }, function (error) {
        if (button) button.disabled = false;
        announcer.textContent = error.message;
        throw error;
      });
    }

    var opener = null;
    function openDialog(id, alert, button) {
      var dialog = document.getElementById(id);
      var form = dialog.querySelector("form");
      form.reset();
      form.querySelector("[data-error]").hidden = true;
      dialog.setAttribute("data-alert-id", alert.id);
      opener = button;
      dialog.showModal();
      var first = form.querySelector("input, select, textarea");
      if (first) first.focus();
    }

    function closeDialog(dialog) {
      dialog.close();
      if (opener && document.body.contains(opener)) opener.focus();
    }

    [["dispatch-dialog", "dispatched"], ["resolve-dialog", "resolved"]].forEach(function (pair) {
      var dialog = document.getElementById(pair[0]);
      if (!dialog) return;
      var form = dialog.querySelector("form");
      dialog.querySelector("[data-cancel]").addEventListener("click", function () { closeDialog(dialog); });
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var payload = { to: pair[1] };
        var note = form.querySelector("textarea").value.trim();
        if (note) payload.note = note;
        if (pair[1] === "dispatched") payload.response_group = form.response_group.value.trim();
        if (pair[1] === "resolved") payload.outcome = form.outcome.value;
        var submit = form.querySelector('button[type="submit"]');
        submit.disabled = true;
        transition(Number(dialog.getAttribute("data-alert-id")), payload).then(function () {
          submit.disabled = false;
          closeDialog(dialog);
        }, function (error) {
          submit.disabled = false;
          var box = form.querySelector("[data-error]");
          box.textContent = error.message;
          box.hidden = false;
        });
      });
    });

    body.querySelectorAll("tr[data-alert-id]").forEach(function (row) {
      actionButtons(row, { id: Number(row.getAttribute("data-alert-id")), status: row.getAttribute("data-status") });
    });
    markOverdue();
    refreshCounts();
    setInterval(markOverdue, 5000);

    liveChannel({
      alert: function (alert) {
        upsert(alert, true);
        announcer.textContent = t("new_alert") + ": " + alertTitle(
          Object.assign({ name: names[String(alert.order_id)] }, alert));
        sound.play("alert-" + alert.id);
      },
      alert_update: function (alert) {
        var existing = document.getElementById("alert-" + alert.id);
        if (existing || alert.status !== "resolved") upsert(alert, alert.change === "escalated");
        if (alert.change === "escalated") sound.play("escalated-" + alert.id);
      },
      resync: function () {
        announcer.textContent = t("live_resync");
        window.location.reload();
      }
    });
  }

  // --- page: order and track playback ------------------------------------------------------------

  function zoneOffsetIso(localValue) {
    // <input type="datetime-local"> is in Asia/Almaty (UTC+5 all year since 1 March 2024).
    return localValue.length === 16 ? localValue + ":00+05:00" : localValue + "+05:00";
  }

  function initOrder() {
    var root = document.getElementById("order-page");
    var order = readJson("monitoring-order");
    var map = baseMap("order-map");
    var bounds = L.latLngBounds([]);
    localiseTimes();
    (order.zones || []).forEach(function (zone) {
      var layer = zoneLayer(zone);
      if (layer) {
        layer.addTo(map);
        bounds.extend(layer.getBounds());
      }
    });
    showArea(map, bounds, 0.3);

    var form = document.getElementById("track-form");
    var message = document.getElementById("track-message");
    var playback = document.getElementById("playback");
    var slider = document.getElementById("track-slider");
    var output = document.getElementById("track-time");
    var play = document.getElementById("play-button");
    var trackLayer = null;
    var cursor = null;
    var points = [];
    var timer = null;

    function show(index) {
      var point = points[index];
      if (!point) return;
      cursor.setLatLng(point.latlng);
      var text = formatTime(point.time);
      if (point.speed !== null && point.speed !== undefined) text += " · " + Math.round(point.speed) + " " + t("km_h");
      if (point.event) text += " · " + t("event") + ": " + point.event;
      output.textContent = text;
      slider.setAttribute("aria-valuetext", text);
    }

    function stop() {
      if (timer) clearInterval(timer);
      timer = null;
      play.textContent = t("play");
      play.setAttribute("aria-pressed", "false");
    }

    play.addEventListener("click", function () {
      if (timer) { stop(); return; }
      if (Number(slider.value) >= points.length - 1) slider.value = 0;
      play.textContent = t("pause");
      play.setAttribute("aria-pressed", "true");
      timer = setInterval(function () {
        var next = Number(slider.value) + 1;
        if (next >= points.length) { stop(); return; }
        slider.value = next;
        show(next);
      }, 120);
    });
    slider.addEventListener("input", function () { show(Number(slider.value)); });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var box = form.querySelector("[data-error]");
      box.hidden = true;
      var query = new URLSearchParams({
        person: root.getAttribute("data-person"),
        from: zoneOffsetIso(form.elements.from.value),
        to: zoneOffsetIso(form.elements.to.value),
        purpose: form.elements.purpose.value.trim(),
        legal_basis: form.elements.legal_basis.value.trim()
      });
      stop();
      api("GET", "/api/v1/monitoring/track?" + query.toString()).then(function (collection) {
        var reference = root.getAttribute("data-order-ref");
        points = [];
        (collection.features || []).forEach(function (feature) {
          if (feature.properties.order !== reference) return;
          var coordinates = feature.geometry.type === "Point" ? [feature.geometry.coordinates] : feature.geometry.coordinates;
          coordinates.forEach(function (c, i) {
            points.push({
              latlng: [c[1], c[0]],
              time: feature.properties.times[i],
              speed: (feature.properties.speeds_kmh || [])[i],
              event: (feature.properties.events || [])[i]
            });
          });
        });
        points.sort(function (a, b) { return a.time < b.time ? -1 : a.time > b.time ? 1 : 0; });
        if (trackLayer) map.removeLayer(trackLayer);
        if (!points.length) {
          playback.hidden = true;
          message.textContent = t("track_empty");
          return;
        }
        trackLayer = L.layerGroup().addTo(map);
        L.polyline(points.map(function (p) { return p.latlng; }), { color: "#0b5cad", weight: 3 }).addTo(trackLayer);
        points.forEach(function (p) {
          if (p.event) L.circleMarker(p.latlng, { radius: 6, color: "#b42318", fillOpacity: 0.9 }).bindTooltip(p.event).addTo(trackLayer);
        });
        cursor = L.circleMarker(points[0].latlng, { radius: 9, color: "#fff", weight: 2, fillColor: "#0b5cad", fillOpacity: 1 }).addTo(trackLayer);
        slider.max = points.length - 1;
        slider.value = points.length - 1;
        playback.hidden = false;
        show(points.length - 1);
        map.fitBounds(L.latLngBounds(points.map(function (p) { return p.latlng; })).extend(bounds).pad(0.1));
        message.textContent = t("track_loaded", { count: points.length });
        slider.focus();
      }, function (error) {
        box.textContent = error.message;
        box.hidden = false;
      });
    });
    liveChannel({});
  }

  // --- page: zone editor -------------------------------------------------------------------------

  function initZoneEditor() {
    var root = document.getElementById("zone-editor");
    var orderId = root.getAttribute("data-order");
    var order = readJson("monitoring-order");
    var map = baseMap("zone-map");
    var form = document.getElementById("zone-form");
    var hint = document.getElementById("draw-hint");
    var list = document.getElementById("zone-list");
    var finish = document.getElementById("finish-polygon");
    var undo = document.getElementById("undo-point");
    var zones = {};
    var tool = null;
    var draft = emptyDraft();
    // Points clicked for the shape in hand: corners of a polygon, the route of a corridor.
    var MIN_POINTS = { polygon: 3, corridor: 2 };

    function emptyDraft() {
      return { center: null, radius: null, corners: [], route: [], width: null };
    }

    function points() {
      return shapeType() === "corridor" ? draft.route : draft.corners;
    }
    var draftLayer = L.layerGroup().addTo(map);
    var bounds = L.latLngBounds([]);

    function addZone(zone) {
      if (zones[zone.id]) map.removeLayer(zones[zone.id].layer);
      var layer = zoneLayer(zone);
      if (!layer) return;
      layer.addTo(map);
      zones[zone.id] = { zone: zone, layer: layer };
      renderList();
      return layer;
    }

    function renderList() {
      list.textContent = "";
      Object.keys(zones).sort().forEach(function (id) {
        var zone = zones[id].zone;
        var remove = element("button", { type: "button", className: "secondary", text: t("delete") });
        remove.setAttribute("aria-label", t("delete") + " " + id);
        remove.addEventListener("click", function () {
          if (!window.confirm(t("confirm_delete"))) return;
          api("DELETE", "/api/v1/monitoring/orders/" + orderId + "/zones/" + encodeURIComponent(id)).then(function () {
            map.removeLayer(zones[id].layer);
            delete zones[id];
            renderList();
            hint.textContent = t("zone_deleted");
          }, function (error) { hint.textContent = error.message; });
        });
        list.appendChild(element("li", {}, [
          element("span", { className: "swatch " + zone.kind }), " ",
          element("strong", { text: id }), " — " + zoneSummary(zone),
          remove
        ]));
      });
    }

    (order.zones || []).forEach(function (zone) {
      var layer = addZone(zone);
      if (layer) bounds.extend(layer.getBounds());
    });
    showArea(map, bounds, 0.3);

    function shapeType() { return form.querySelector('input[name="shape_type"]:checked').value; }
    function setShapeType(value) { form.querySelector('input[name="shape_type"][value="' + value + '"]').checked = true; }

    function drawDraft() {
      draftLayer.clearLayers();
      var style = ZONE_STYLE[form.elements.kind.value];
      if (shapeType() === "circle" && draft.center) {
        L.circleMarker(draft.center, { radius: 4, color: style.color }).addTo(draftLayer);
        if (draft.radius) L.circle(draft.center, L.extend({ radius: draft.radius }, style)).addTo(draftLayer);
      }
      if (shapeType() === "polygon" && draft.corners.length) {
        draft.corners.forEach(function (c) { L.circleMarker(c, { radius: 4, color: style.color }).addTo(draftLayer); });
        var shape = draft.corners.length >= 3 ? L.polygon(draft.corners, style) : L.polyline(draft.corners, style);
        shape.addTo(draftLayer);
      }
      if (shapeType() === "corridor" && draft.route.length) {
        draft.route.forEach(function (c) { L.circleMarker(c, { radius: 4, color: style.color }).addTo(draftLayer); });
        var route = draft.route.length >= 2 && draft.width
          ? corridorLayer(draft.route, draft.width, style) : L.polyline(draft.route, style);
        route.addTo(draftLayer);
      }
      var drawing = tool === "polygon" || tool === "corridor";
      finish.disabled = !(drawing && points().length >= MIN_POINTS[tool]);
      undo.disabled = !(shapeType() !== "circle" && points().length);
    }

    function syncFields() {
      if (draft.center) {
        form.querySelector("#circle_lat").value = draft.center[0].toFixed(6);
        form.querySelector("#circle_lon").value = draft.center[1].toFixed(6);
      }
      if (draft.radius) form.querySelector("#circle_radius").value = Math.round(draft.radius);
      form.querySelector("#polygon_points").value = pointLines(draft.corners);
      form.querySelector("#corridor_points").value = pointLines(draft.route);
    }

    function pointLines(list) {
      return list.map(function (c) { return c[0].toFixed(6) + ", " + c[1].toFixed(6); }).join("\n");
    }

    function readPoints(selector) {
      return form.querySelector(selector).value.split("\n").map(function (line) {
        var parts = line.split(/[,;\s]+/).filter(Boolean).map(Number);
        return parts.length >= 2 && isFinite(parts[0]) && isFinite(parts[1]) ? [parts[0], parts[1]] : null;
      }).filter(Boolean);
    }

    function readFields() {
      var lat = parseFloat(form.querySelector("#circle_lat").value.replace(",", "."));
      var lon = parseFloat(form.querySelector("#circle_lon").value.replace(",", "."));
      var radius = parseFloat(form.querySelector("#circle_radius").value.replace(",", "."));
      var width = parseFloat(form.querySelector("#corridor_width").value.replace(",", "."));
      draft.center = isFinite(lat) && isFinite(lon) ? [lat, lon] : null;
      draft.radius = isFinite(radius) && radius > 0 ? radius : null;
      draft.corners = readPoints("#polygon_points");
      draft.route = readPoints("#corridor_points");
      draft.width = isFinite(width) && width > 0 ? width : null;
    }

    function chooseTool(name) {
      tool = tool === name ? null : name;
      root.querySelectorAll("[data-tool]").forEach(function (button) {
        button.setAttribute("aria-pressed", button.getAttribute("data-tool") === tool ? "true" : "false");
      });
      if (tool === "circle") {
        setShapeType("circle");
        draft.center = null;
        draft.radius = null;
        hint.textContent = t("circle_center");
      } else if (tool === "polygon") {
        setShapeType("polygon");
        draft.corners = [];
        hint.textContent = t("polygon_point");
      } else if (tool === "corridor") {
        setShapeType("corridor");
        draft.route = [];
        readWidth();
        hint.textContent = t("corridor_point");
      }
      drawDraft();
      document.getElementById("zone-map").focus();
    }

    root.querySelectorAll("[data-tool]").forEach(function (button) {
      button.addEventListener("click", function () { chooseTool(button.getAttribute("data-tool")); });
    });

    map.on("click", function (event) {
      var point = [event.latlng.lat, event.latlng.lng];
      if (tool === "circle") {
        if (!draft.center || draft.radius) {
          draft.center = point;
          draft.radius = null;
          hint.textContent = t("circle_radius");
        } else {
          draft.radius = map.distance(draft.center, point);
          tool = null;
          root.querySelectorAll("[data-tool]").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
        }
      } else if (tool === "polygon") {
        draft.corners.push(point);
      } else if (tool === "corridor") {
        draft.route.push(point);
      } else {
        return;
      }
      syncFields();
      drawDraft();
    });

    function readWidth() {
      var width = parseFloat(form.querySelector("#corridor_width").value.replace(",", "."));
      draft.width = isFinite(width) && width > 0 ? width : null;
    }

    function finishShape() {
      var kind = shapeType();
      if (points().length < (MIN_POINTS[kind] || 0)) {
        hint.textContent = t(kind === "corridor" ? "corridor_short" : "polygon_short");
        return;
      }
      tool = null;
      root.querySelectorAll("[data-tool]").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
      drawDraft();
      form.querySelector(kind === "corridor" ? "#corridor_width" : "#zone_id").focus();
    }
    finish.addEventListener("click", finishShape);
    undo.addEventListener("click", function () {
      points().pop();
      syncFields();
      drawDraft();
    });
    document.getElementById("zone-map").addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (tool === "polygon" || tool === "corridor")) {
        event.preventDefault();
        finishShape();
      }
      if (event.key === "Escape" && tool) { chooseTool(tool); }
    });
    document.getElementById("clear-shape").addEventListener("click", function () {
      draft = emptyDraft();
      readWidth();
      syncFields();
      drawDraft();
    });
    var FIELD_SHAPE = {
      circle_lat: "circle", circle_lon: "circle", circle_radius: "circle",
      polygon_points: "polygon", corridor_points: "corridor", corridor_width: "corridor"
    };
    Object.keys(FIELD_SHAPE).forEach(function (id) {
      var input = form.querySelector("#" + id);
      input.addEventListener("change", function () {
        setShapeType(FIELD_SHAPE[id]);
        readFields();
        drawDraft();
      });
    });
    // The band follows the width as it is typed, not only when the field is left.
    form.querySelector("#corridor_width").addEventListener("input", function () {
      readWidth();
      drawDraft();
    });
    form.elements.kind.addEventListener("change", drawDraft);
    form.querySelectorAll('input[name="shape_type"]').forEach(function (radio) { radio.addEventListener("change", drawDraft); });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var box = form.querySelector("[data-error]");
      box.hidden = true;
      readFields();
      var shape;
      if (shapeType() === "circle") {
        if (!draft.center || !draft.radius) { box.textContent = t("shape_missing"); box.hidden = false; return; }
        shape = { type: "circle", lat: draft.center[0], lon: draft.center[1], radius_m: Math.round(draft.radius) };
      } else if (shapeType() === "corridor") {
        if (draft.route.length < 2) { box.textContent = t("corridor_short"); box.hidden = false; return; }
        if (!draft.width) { box.textContent = t("corridor_width"); box.hidden = false; return; }
        shape = {
          type: "corridor",
          coordinates: draft.route.map(function (c) { return [c[1], c[0]]; }),
          width_m: Math.round(draft.width)
        };
      } else {
        if (draft.corners.length < 3) { box.textContent = t("polygon_short"); box.hidden = false; return; }
        var ring = draft.corners.map(function (c) { return [c[1], c[0]]; });
        ring.push(ring[0]);
        shape = { type: "Polygon", coordinates: [ring] };
      }
      var scheduleKind = form.querySelector('input[name="schedule"]:checked').value;
      var payload = {
        kind: form.elements.kind.value,
        shape: shape,
        schedule: scheduleKind === "daily"
          ? { tz: ALMATY, windows: [{ from: form.querySelector("#window_from").value, to: form.querySelector("#window_to").value }] }
          : null
      };
      var name = form.elements.id.value.trim();
      if (name) payload.id = name;
      api("POST", "/api/v1/monitoring/orders/" + orderId + "/zones", payload).then(function (zone) {
        addZone(zone);
        draft = emptyDraft();
        readWidth();
        // The saved shape leaves the form, so a second click on "Save" cannot store it twice.
        form.querySelector("#circle_lat").value = "";
        form.querySelector("#circle_lon").value = "";
        syncFields();
        draftLayer.clearLayers();
        form.elements.id.value = "";
        hint.textContent = t("zone_saved") + " " + zone.id;
      }, function (error) {
        box.textContent = error.message;
        box.hidden = false;
      });
    });
  }

  // --- start -------------------------------------------------------------------------------------

  document.addEventListener("DOMContentLoaded", function () {
    if (document.getElementById("live-map")) initLiveMap();
    if (document.getElementById("queue-page")) initQueue();
    if (document.getElementById("order-map")) initOrder();
    if (document.getElementById("zone-map")) initZoneEditor();
  });
})();
