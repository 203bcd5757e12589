// Safeguard's only script: small enhancements, every page works without it.
// 1. The error summary takes focus on load, where the browser does not honour its autofocus.
// 2. A "Now" button beside each time field marked data-now, filling in the current UK time.
(function () {
  "use strict";

  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary && document.activeElement !== summary) {
      summary.focus();
    }
  }

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function ukNow() {
    // The current moment as Safeguard writes it (23 Nov 2026 14:05), in Europe/London whatever
    // the computer's own zone.
    var parts = {};
    new Intl.DateTimeFormat("en-GB", {
      timeZone: "Europe/London", year: "numeric", month: "numeric", day: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23"
    }).formatToParts(new Date()).forEach(function (part) { parts[part.type] = part.value; });
    return Number(parts.day) + " " + MONTHS[Number(parts.month) - 1] + " " + parts.year + " " +
      parts.hour + ":" + parts.minute;
  }

  function addNowButtons() {
    document.querySelectorAll("input[data-now]").forEach(function (input) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button button-secondary button-now";
      button.textContent = "Now";
      button.setAttribute("aria-label", "Now: fill in the current UK time");
      button.addEventListener("click", function () {
        input.value = ukNow();
        input.dispatchEvent(new Event("change", { bubbles: true }));
        input.focus();
      });
      input.insertAdjacentElement("afterend", button);
    });
  }

  function start() {
    focusErrorSummary();
    addNowButtons();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
