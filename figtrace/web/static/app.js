// figtrace dashboard: progressive enhancement only; every page works without it.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Choosing a filter applies it at once.
  var form = document.getElementById("filters");
  if (form) {
    form.querySelectorAll("select").forEach(function (el) {
      el.addEventListener("change", function () { form.submit(); });
    });
  }
  // "/" jumps to the search box, as on most sites.
  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (ev.key !== "/" || (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA"))) {
      return;
    }
    var box = document.querySelector("input[type=search]");
    if (box) { ev.preventDefault(); box.focus(); }
  });
  // A timeline whose chart was still being drawn: ask for the page again until it has the chart.
  var pending = document.getElementById("chart-pending");
  if (pending && window.fetch && window.DOMParser) {
    var tries = 0;
    var poll = function () {
      tries += 1;
      fetch(window.location.href, {credentials: "same-origin"}).then(function (r) { return r.text(); })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("figure.chart");
          var here = pending.closest("figure.chart");
          if (fresh && here && !fresh.querySelector("#chart-pending")) {
            here.replaceWith(document.importNode(fresh, true));
          } else if (tries < 20) {
            setTimeout(poll, 1000);
          }
        }).catch(function () { if (tries < 20) { setTimeout(poll, 2000); } });
    };
    setTimeout(poll, 500);
  }
  // Bring the highlighted figure into view on a claim page.
  var mark = document.querySelector("#context mark");
  if (mark && mark.scrollIntoView) { mark.scrollIntoView({block: "center"}); }
});
