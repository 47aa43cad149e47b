// The workspace's few lines of its own script: live alert lines, hold countdowns, offers brought into view.
// No storage is used.
(function () {
  "use strict";

  // NoBookableSlots from the event stream become one readable line each (text only, never HTML from the wire).
  document.addEventListener("htmx:sseBeforeMessage", function (e) {
    var list = e.target;
    if (!list.matches || !list.matches("#alerts")) { return; }
    e.preventDefault();
    var data = {};
    try { data = JSON.parse(e.detail.data); } catch (err) { return; }
    var placeholder = list.querySelector(".muted");
    if (placeholder) { placeholder.remove(); }
    var li = document.createElement("li");
    var sv = document.documentElement.lang !== "en";
    li.textContent = (sv ? "Inga bokningsbara tider inom " : "No bookable times within ") + data.promise_days +
      (sv ? " dagar: ärende " : " days: case ") + data.case_id + " (" + (data.municipality || "") + ")";
    list.prepend(li);
  });

  // A held time shows how long it is still held; at zero the panel asks the server again.
  function tick() {
    document.querySelectorAll("[data-expires]").forEach(function (el) {
      var left = Math.max(0, Math.round((Date.parse(el.dataset.expires) - Date.now()) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      var out = el.querySelector(".countdown");
      if (out) { out.textContent = m + ":" + (s < 10 ? "0" : "") + s; }
      if (left === 0 && !el.dataset.expired) {
        el.dataset.expired = "1";
        if (window.htmx) { window.htmx.trigger(el, "expired"); }
      }
    });
  }
  // After a decision the offers arrive in the side column, often below the fold: once they (or the word that there
  // are none) are in, the booking panel is brought into view, so the time can be held while the family is on the line.
  var followBooking = false;
  document.addEventListener("htmx:afterRequest", function (e) {
    var path = (e.detail.requestConfig && e.detail.requestConfig.path) || "";
    if (e.detail.successful && /\/decision$/.test(path)) { followBooking = true; }
  });
  document.addEventListener("htmx:afterSettle", function () {
    var panel = document.getElementById("booking-panel");
    if (!followBooking || !panel || panel.querySelector("[hx-get*='waited=']")) { return; }
    followBooking = false;
    var section = panel.closest("section") || panel;
    section.scrollIntoView({block: "nearest"});
  });

  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSettle", tick);
  document.addEventListener("DOMContentLoaded", tick);
})();
