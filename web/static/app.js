// cointally: live progress of a running sync on the account page. The page
// works without it. It listens to the server-sent events of
// /accounts/{id}/events and falls back to polling the progress endpoint
// when EventSource is missing or the stream fails; the page reloads when
// the sync ends, to show its outcome.
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box || box.dataset.running !== "true") return;
  var text = document.getElementById("progress-text");
  var bar = document.getElementById("progress-bar");
  var finished = false;
  function show(p) {
    if (!p.running) {
      if (!finished) { finished = true; window.location.reload(); }
      return false;
    }
    text.textContent = p.text;
    if (p.percent >= 0) { bar.value = p.percent; } else { bar.removeAttribute("value"); }
    return true;
  }
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (p) { if (show(p)) setTimeout(poll, 1000); })
      .catch(function () { setTimeout(poll, 5000); });
  }
  if (!window.EventSource || !box.dataset.events) { poll(); return; }
  var es = new EventSource(box.dataset.events);
  var failures = 0;
  function data(e) { try { return JSON.parse(e.data); } catch (err) { return null; } }
  es.addEventListener("progress", function (e) { failures = 0; var p = data(e); if (p) show(p); });
  es.addEventListener("done", function (e) { es.close(); var p = data(e); show(p || { running: false }); });
  es.onerror = function () {
    // The browser reconnects by itself after a stream's end; after
    // repeated failures, poll instead.
    if (finished) return;
    failures++;
    if (failures >= 3 || es.readyState === EventSource.CLOSED) { es.close(); poll(); }
  };
})();
