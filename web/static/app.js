// cointally: live progress of a running sync on the account page. The page
// works without it; this only polls the progress endpoint and reloads the
// page when the sync ends.
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box || box.dataset.running !== "true") return;
  var text = document.getElementById("progress-text");
  var bar = document.getElementById("progress-bar");
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (p) {
        if (!p.running) { window.location.reload(); return; }
        text.textContent = p.text;
        if (p.percent >= 0) { bar.value = p.percent; } else { bar.removeAttribute("value"); }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  poll();
})();
