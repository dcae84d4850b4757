// The deal board: cards are dragged with SortableJS (vendored); each drop POSTs the move
// through htmx to the one stage-change service. A refused move (the "deal-move-refused" event
// with the rule's message) puts the card back where it was and shows why. No inline script:
// the CSP forbids it.
(function () {
  "use strict";
  var dragging = false;
  var refreshWaiting = false;

  function say(text) {
    var box = document.getElementById("board-message");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
  }

  function cardBeside(card, forward) {
    var el = forward ? card.nextElementSibling : card.previousElementSibling;
    while (el && !el.classList.contains("deal-card")) {
      el = forward ? el.nextElementSibling : el.previousElementSibling;
    }
    return el;
  }

  function snapBack(card) {
    var from = card._origin;
    if (!from) return;
    var next = card._originNext;
    if (next && next.parentNode === from) from.insertBefore(card, next);
    else from.appendChild(card);
    card._origin = null;
    card.classList.add("refused");
    window.setTimeout(function () { card.classList.remove("refused"); }, 3000);
  }

  // SortableJS animates cards through their style attribute; htmx would copy such attributes
  // onto fresh content when it settles, which the CSP (style-src 'self') refuses. Drop them
  // before any swap into the board.
  function unstyle() {
    document.querySelectorAll("[data-board] [style]").forEach(function (el) {
      el.removeAttribute("style");
    });
  }

  function busy() {
    return dragging || document.querySelector(".deal-card.htmx-request") !== null;
  }

  function refreshIfWaiting() {
    if (!refreshWaiting || busy()) return;
    refreshWaiting = false;
    var board = document.querySelector("[data-board]");
    if (board && window.htmx) window.htmx.trigger(board, "pipeline-changed", {});
  }

  function send(card, values) {
    card._moving = true;
    window.htmx.ajax("POST", card.getAttribute("data-move-url"), {
      source: card, values: values, swap: "none"
    });
  }

  function askWhyLost(card, values) {
    var dialog = document.getElementById("lost-dialog");
    if (!dialog || typeof dialog.showModal !== "function") { send(card, values); return; }
    var form = dialog.querySelector("form");
    form.reset();
    dialog.returnValue = "";
    dialog.addEventListener("close", function closed() {
      dialog.removeEventListener("close", closed);
      if (dialog.returnValue === "confirm") {
        values.lost_reason = form.elements.lost_reason.value;
        values.lost_note = form.elements.lost_note.value;
        send(card, values);
      } else {
        snapBack(card);
        refreshIfWaiting();
      }
    });
    dialog.showModal();
  }

  function dropped(event) {
    var card = event.item;
    if (event.from === event.to && event.oldIndex === event.newIndex) return;
    var list = event.to;
    var before = cardBeside(card, false);
    var after = cardBeside(card, true);
    var values = {
      stage: list.getAttribute("data-stage-id"),
      after: before ? before.getAttribute("data-deal-id") : "",
      before: after ? after.getAttribute("data-deal-id") : ""
    };
    say("");
    if (list.getAttribute("data-kind") === "lost") askWhyLost(card, values);
    else send(card, values);
  }

  function init() {
    var board = document.querySelector("[data-board]");
    if (!board || !board.hasAttribute("data-editable") || !window.Sortable) return;
    board.querySelectorAll("[data-column]").forEach(function (list) {
      if (window.Sortable.get(list)) return;
      window.Sortable.create(list, {
        group: "deals",
        draggable: ".deal-card",
        animation: 120,
        onStart: function (event) {
          dragging = true;
          event.item._origin = event.from;
          event.item._originNext = event.item.nextElementSibling;
        },
        onEnd: function (event) {
          dragging = false;
          dropped(event);
          refreshIfWaiting();
        }
      });
    });
  }

  // A refused move (the server's "deal-move-refused" event, with the rule's message): the card
  // goes back where it was and the reason shows.
  document.addEventListener("deal-move-refused", function (event) {
    var card = event.target;
    if (!card || !card._moving) return;
    card._moving = false;
    snapBack(card);
    say(String((event.detail && event.detail.message) || ""));
  });

  // Any other failure (the server or the network): back, with a general message.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var card = event.detail.requestConfig && event.detail.requestConfig.elt;
    unstyle();
    if (!card || !card._moving || event.detail.xhr.status < 400) return;
    event.detail.shouldSwap = false;
    card._moving = false;
    snapBack(card);
    var box = document.getElementById("board-message");
    say((box && box.getAttribute("data-failed")) || "");
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var card = event.detail.elt;
    if (card && card._moving) {
      card._moving = false;
      if (event.detail.successful) card._origin = null;
      else snapBack(card);
    }
    refreshIfWaiting();
  });

  // The live refresh waits while a card is in the air or on its way.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var board = event.detail.elt;
    if (board && board.hasAttribute && board.hasAttribute("data-board") && busy()) {
      event.preventDefault();
      refreshWaiting = true;
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.elt && event.detail.elt.hasAttribute && event.detail.elt.hasAttribute("data-board")) init();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
