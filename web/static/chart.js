// cointally: values on hover or tap for the dashboard's SVG charts. The
// charts are drawn by the server; every element with data-tip also has a
// <title>, so without this script the browser's own tooltip shows the
// value. With it, a tooltip follows the pointer (mouse, pen or touch) and
// the line chart marks the day under it.
(function () {
  "use strict";
  var boxes = document.querySelectorAll(".chart-box");
  Array.prototype.forEach.call(boxes, function (box) {
    var svg = box.querySelector("svg");
    var tip = box.querySelector(".tip");
    if (!svg || !tip) return;
    var marker = svg.querySelector(".marker");
    var current = null;
    // The native <title> tooltip would show on top of ours: move each
    // title's text to aria-label, where screen readers still find it.
    Array.prototype.forEach.call(svg.querySelectorAll("[data-tip] > title"), function (t) {
      t.parentNode.setAttribute("aria-label", t.textContent);
      t.parentNode.removeChild(t);
    });
    function hide() {
      tip.hidden = true;
      if (current) current.classList.remove("active");
      current = null;
      if (marker) { marker.setAttribute("cx", "-10"); marker.setAttribute("cy", "-10"); }
    }
    function show(el, ev) {
      if (current !== el) {
        if (current) current.classList.remove("active");
        current = el;
        el.classList.add("active");
        tip.textContent = el.getAttribute("data-tip");
        if (marker && el.hasAttribute("data-x")) {
          marker.setAttribute("cx", el.getAttribute("data-x"));
          marker.setAttribute("cy", el.getAttribute("data-y"));
        }
      }
      tip.hidden = false;
      var r = box.getBoundingClientRect();
      var x = ev.clientX - r.left, y = ev.clientY - r.top;
      var w = tip.offsetWidth, h = tip.offsetHeight;
      var left = Math.min(Math.max(0, x - w / 2), Math.max(0, r.width - w));
      var top = y - h - 12;
      if (top < 0) top = y + 16;
      tip.style.left = left + "px";
      tip.style.top = top + "px";
    }
    function target(ev) {
      var el = ev.target;
      while (el && el !== svg && !(el.hasAttribute && el.hasAttribute("data-tip"))) el = el.parentNode;
      return el && el !== svg ? el : null;
    }
    svg.addEventListener("pointermove", function (ev) {
      var el = target(ev);
      if (el) { show(el, ev); } else { hide(); }
    });
    svg.addEventListener("pointerdown", function (ev) {
      var el = target(ev);
      if (el) { show(el, ev); }
    });
    svg.addEventListener("pointerleave", function (ev) {
      // A touch ends with pointerleave: keep the value shown until the
      // next tap elsewhere.
      if (ev.pointerType === "mouse") hide();
    });
    document.addEventListener("pointerdown", function (ev) {
      if (!svg.contains(ev.target)) hide();
    });
  });
})();
