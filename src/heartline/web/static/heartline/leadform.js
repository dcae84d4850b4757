// Heartline embeddable capture form. On any page of a site the form allows:
//   <script src="https://<heartline host>/static/heartline/leadform.js" data-form="<key>" async></script>
// Optional: data-lang="zh" or "en" (default: the page's lang), data-target="<element id>"
// (default: right after the script). The form is built with DOM calls only (every text is set
// with textContent, never parsed as HTML), sends no cookies, and posts to Heartline, which
// checks the page's Origin, a signed timestamp token, a honeypot and rate limits.
(function () {
  "use strict";

  var KEY = /^[A-Za-z0-9_-]{8,32}$/;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function hideTrap(node) {
    // CSSOM, not a style attribute: allowed by a host page's CSP without 'unsafe-inline'.
    node.style.position = "absolute";
    node.style.left = "-10000px";
    node.style.width = "1px";
    node.style.height = "1px";
    node.style.overflow = "hidden";
  }

  // A plain, readable default layout (CSSOM again). data-style="none" on the script leaves
  // all styling to the site's own CSS (classes heartline-form, field, check, hint, hl-status).
  function styler(plain) {
    return function (node, styles) {
      if (plain) Object.keys(styles).forEach(function (name) { node.style[name] = styles[name]; });
      return node;
    };
  }

  function fieldErrors(form, details) {
    form.querySelectorAll(".hl-error").forEach(function (n) { n.remove(); });
    Object.keys(details || {}).forEach(function (name) {
      var messages = details[name];
      if (!Array.isArray(messages)) return;
      var input = form.querySelector("[name='" + name.replace(/[^a-z_]/g, "") + "']");
      var anchor = input ? input.parentNode : form.querySelector(".hl-status");
      messages.forEach(function (text) {
        var p = el("p", { "class": "error hl-error", role: "alert" }, String(text));
        if (input) anchor.appendChild(p); else anchor.parentNode.insertBefore(p, anchor);
      });
    });
  }

  function render(box, config, action, plain) {
    var layout = styler(plain);
    var id = "hl-" + Math.random().toString(36).slice(2, 8) + "-";
    var form = el("form", { "class": "heartline-form__form", novalidate: "", "data-testid": "heartline-form" });
    if (config.title) form.appendChild(el("h3", {}, config.title));
    (config.fields || []).forEach(function (field) {
      var wrap = layout(el("div", { "class": "field" }), { margin: "0 0 .6em" });
      wrap.appendChild(layout(el("label", { "for": id + field.name }, field.label), { display: "block" }));
      var input = field.kind === "textarea"
        ? el("textarea", { id: id + field.name, name: field.name, rows: "4", maxlength: String(field.max_length) })
        : el("input", { id: id + field.name, name: field.name, type: field.kind, maxlength: String(field.max_length), autocomplete: field.autocomplete });
      wrap.appendChild(layout(input, { width: "100%", maxWidth: "30em", boxSizing: "border-box" }));
      form.appendChild(wrap);
    });
    form.appendChild(el("p", { "class": "hint" }, config.hint));
    (config.consents || []).forEach(function (consent) {
      var label = layout(el("label", { "class": "check" }), { display: "block", margin: ".3em 0" });
      label.appendChild(el("input", { type: "checkbox", name: consent.name, value: "on" }));
      label.appendChild(document.createTextNode(" " + consent.text));
      form.appendChild(label);
    });
    var trap = el("div", { "class": "hl-trap", "aria-hidden": "true" });
    trap.appendChild(el("input", { type: "text", name: config.honeypot, tabindex: "-1", autocomplete: "off" }));
    hideTrap(trap);
    form.appendChild(trap);
    form.appendChild(el("input", { type: "hidden", name: "token", value: config.token }));
    form.appendChild(el("input", { type: "hidden", name: "language", value: config.language }));
    var button = el("button", { type: "submit" }, config.submit);
    form.appendChild(button);
    var status = el("p", { "class": "hl-status", role: "status", "aria-live": "polite" });
    form.appendChild(status);

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      status.textContent = config.sending;
      // URL-encoded body and an Accept header: a "simple" cross-origin request (no preflight).
      fetch(action, {
        method: "POST",
        body: new URLSearchParams(new FormData(form)),
        headers: { Accept: "application/json" },
        credentials: "omit",
        mode: "cors"
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (answer) {
        if (answer.ok) {
          var thanks = el("p", { "class": "heartline-form__thanks", role: "status", "data-testid": "heartline-thanks" }, answer.body.message);
          box.replaceChildren(thanks);
          return;
        }
        var error = answer.body && answer.body.error ? answer.body.error : {};
        status.textContent = String(error.message || config.failed);
        fieldErrors(form, error.details);
        button.disabled = false;
      }).catch(function () {
        status.textContent = config.failed;
        button.disabled = false;
      });
    });
    box.replaceChildren(form);
  }

  function start(script) {
    var key = script.getAttribute("data-form") || "";
    if (!KEY.test(key)) return;
    var plain = script.getAttribute("data-style") !== "none";
    var base = new URL(script.src, document.baseURI).origin;
    var lang = script.getAttribute("data-lang") || document.documentElement.lang || navigator.language || "en";
    var targetId = script.getAttribute("data-target");
    var box = targetId ? document.getElementById(targetId) : null;
    if (!box) {
      box = el("div", {});
      script.parentNode.insertBefore(box, script.nextSibling);
    }
    box.classList.add("heartline-form");
    var path = base + "/forms/" + encodeURIComponent(key);
    fetch(path + "/config?lang=" + encodeURIComponent(lang), { credentials: "omit", mode: "cors" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (config) { if (config) render(box, config, path + "/submit", plain); })
      .catch(function () { /* leave the page as it is: the form is an addition */ });
  }

  var scripts = document.currentScript ? [document.currentScript]
    : Array.prototype.slice.call(document.querySelectorAll("script[data-form]"));
  scripts.forEach(function (script) {
    if (script.hasAttribute("data-heartline-started")) return;
    script.setAttribute("data-heartline-started", "");
    start(script);
  });
})();
