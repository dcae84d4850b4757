// Heartline shell behaviour. No inline script anywhere: the CSP forbids it.
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
      el.form.submit();
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".nav-toggle");
    if (!button) return;
    var nav = document.getElementById(button.getAttribute("aria-controls"));
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    if (nav) nav.classList.toggle("open", open);
  });

  // A freshly shown token: select it on focus so it is easy to copy.
  document.addEventListener("focusin", function (event) {
    var el = event.target;
    if (el instanceof HTMLInputElement && el.hasAttribute("data-select-on-focus")) el.select();
  });

  // Escape closes the search results and the notifications panel.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var results = document.getElementById("search-results");
    if (results) results.innerHTML = "";
    document.querySelectorAll("details.notifications[open]").forEach(function (d) { d.open = false; });
  });

  // Live nudges: id-only events over a websocket; the page re-fetches what it shows.
  var seen = new Set();
  var seenOrder = [];
  var SEEN_MAX = 500;
  var delay = 1000;
  var MAX_DELAY = 30000;

  function remember(id) {
    if (seen.has(id)) return false;
    seen.add(id);
    seenOrder.push(id);
    if (seenOrder.length > SEEN_MAX) seen.delete(seenOrder.shift());
    return true;
  }

  // A page showing a customer ([data-live-customer="<id>"]) or a pipeline's board
  // ([data-live-pipeline="<id>"]) subscribes to it once the socket is open; when it changes
  // elsewhere, the element gets a "customer-changed" (or "pipeline-changed") event (its
  // hx-trigger re-fetches what it shows). data-live-state says where it stands.
  var FOLLOW = { customer_id: "customer", pipeline_id: "pipeline" };

  function followed(kind, id) {
    var attr = "data-live-" + kind;
    var selector = id === undefined ? "[" + attr + "]" : "[" + attr + "='" + id + "']";
    return Array.prototype.slice.call(document.querySelectorAll(selector));
  }

  function subscribe(socket) {
    Object.keys(FOLLOW).forEach(function (key) {
      followed(FOLLOW[key]).forEach(function (el) {
        var id = Number(el.getAttribute("data-live-" + FOLLOW[key]));
        var message = { type: "subscribe" };
        message[key] = id;
        if (Number.isInteger(id) && id > 0) socket.send(JSON.stringify(message));
      });
    });
  }

  function followMessage(key, message) {
    var id = message[key];
    var changed = FOLLOW[key] + "-changed";
    if (typeof id !== "number" || !Number.isInteger(id)) return;
    followed(FOLLOW[key], id).forEach(function (el) {
      if (message.type === "subscribed") {
        // subscribed again after a lost connection: catch up on what happened meanwhile
        var again = el.hasAttribute("data-live-state");
        el.setAttribute("data-live-state", "subscribed");
        if (again && window.htmx) window.htmx.trigger(el, changed, {});
      } else if (message.type === "refused") {
        el.setAttribute("data-live-state", "refused");
      } else if (window.htmx) {
        window.htmx.trigger(el, changed, { event: String(message.type), id: message.id });
      }
    });
  }

  function handle(message) {
    if (!message) return;
    var key = "pipeline_id" in message ? "pipeline_id" : "customer_id";
    if (message.type === "subscribed" || message.type === "refused") return followMessage(key, message);
    if (typeof message.id !== "string") return;
    if (typeof message[key] === "number") {
      if (remember(message.id + "@" + key + message[key])) followMessage(key, message);
      return;
    }
    if (!remember(message.id)) return;
    var name = String(message.event || "");
    if (window.htmx) {
      if (name === "notification.created") window.htmx.trigger(document.body, "notifications-changed");
      window.htmx.trigger(document.body, "heartline-event", { event: name, id: message.id });
    }
  }

  function connect() {
    var path = document.body.getAttribute("data-live-url");
    if (!path || !("WebSocket" in window)) return;
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + path);
    socket.addEventListener("open", function () {
      delay = 1000;
      document.body.setAttribute("data-live", "open");
      subscribe(socket);
    });
    socket.addEventListener("message", function (event) {
      try { handle(JSON.parse(event.data)); } catch (e) { /* ignore a malformed frame */ }
    });
    socket.addEventListener("close", function (event) {
      document.body.setAttribute("data-live", "closed");
      customerElements().forEach(function (el) {
        if (el.hasAttribute("data-live-state")) el.setAttribute("data-live-state", "offline");
      });
      if (event.code === 4401 || event.code === 4403) return; // signed out or not allowed
      var wait = Math.min(delay, MAX_DELAY) * (0.5 + Math.random() / 2);
      delay = Math.min(delay * 2, MAX_DELAY);
      window.setTimeout(connect, wait);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", connect);
  } else {
    connect();
  }
})();

// Forms marked data-swap-errors show the 400 answer (the form with its errors) in place;
// htmx 2 does not swap error responses by default.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var source = detail.requestConfig && detail.requestConfig.elt;
    if (detail.xhr.status === 400 && source && source.closest && source.closest("[data-swap-errors]")) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });
})();

// A section of the customer page ([data-section]) whose inline editor is open ([data-editing]),
// or that waits for an answer of its own (.htmx-request inside), stays as it is, with whatever
// is being typed, when a live refresh swaps the sections around it: its twin in the fresh
// content is marked hx-preserve, so htmx keeps the element on the page in its place.
(function () {
  "use strict";
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var fragment = event.detail.fragment;
    if (!fragment || !fragment.querySelector) return;
    document.querySelectorAll("[data-section][id]").forEach(function (shown) {
      if (!shown.hasAttribute("data-editing") && !shown.querySelector(".htmx-request")) return;
      var fresh = fragment.querySelector("#" + CSS.escape(shown.id));
      if (fresh) fresh.setAttribute("hx-preserve", "true");
    });
  });
})();
