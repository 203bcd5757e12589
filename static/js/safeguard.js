// Safeguard's only script: small enhancements, every page works without it.
// 1. The error summary takes focus on load, where the browser does not honour its autofocus.
// 2. A "Now" button beside each time field marked data-now, filling in the current UK time.
// 3. A live notice a few minutes before the session ends, with "Stay signed in" asking the server
//    without leaving the page (without the script, the page says when the session ends and the
//    button reloads it).
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

  function sessionNotice() {
    var box = document.querySelector("[data-session-end]");
    if (!box || !window.fetch) {
      return;
    }
    var form = box.querySelector("form");
    var shown = box.querySelector("[data-session-time]");
    var live = box.querySelector("[data-session-live]");
    var endsAt = new Date(box.getAttribute("data-ends-at")).getTime();
    var warning = Number(box.getAttribute("data-warning-seconds")) * 1000;
    var timer = null;

    function say(text, withButton) {
      live.textContent = "";
      var p = document.createElement("p");
      p.textContent = text + " ";
      if (withButton) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button";
        button.textContent = "Stay signed in";
        button.addEventListener("click", stay);
        p.appendChild(button);
      }
      live.appendChild(p);
    }

    function check() {
      var left = endsAt - Date.now();
      if (left <= 0) {
        say("Your session has ended. Anything you send now is kept: sign in again to check it and submit it again.", false);
        return;
      }
      if (left <= warning) {
        var minutes = Math.max(1, Math.round(left / 60000));
        say("Your session will end at " + shown.textContent + " (UK time), in about " + minutes +
          " minute" + (minutes === 1 ? "" : "s") + ", unless you stay signed in.", true);
      }
      timer = window.setTimeout(check, Math.min(60000, Math.max(1000, left <= warning ? 60000 : left - warning)));
    }

    function stay(event) {
      if (event) {
        event.preventDefault();
      }
      fetch(form.action, {
        method: "POST",
        // URL-encoded, as every Safeguard form is sent (the server refuses multipart bodies).
        body: new URLSearchParams(new FormData(form)),
        headers: { "Accept": "application/json" },
        credentials: "same-origin"
      }).then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("application/json") === -1) {
          throw new Error("signed out");
        }
        return response.json();
      }).then(function (answer) {
        endsAt = new Date(answer.ends_at).getTime();
        shown.textContent = answer.ends_at_text;
        window.clearTimeout(timer);
        say("You are still signed in. Your session now ends at " + answer.ends_at_text + " (UK time).", false);
        timer = window.setTimeout(check, Math.max(1000, endsAt - Date.now() - warning));
      }).catch(function () {
        endsAt = 0;
        window.clearTimeout(timer);
        check();
      });
    }

    form.addEventListener("submit", stay);
    check();
  }

  function start() {
    focusErrorSummary();
    addNowButtons();
    sessionNotice();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
