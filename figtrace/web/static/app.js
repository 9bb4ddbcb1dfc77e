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
  // Bring the highlighted figure into view on a claim page.
  var mark = document.querySelector("#context mark");
  if (mark && mark.scrollIntoView) { mark.scrollIntoView({block: "center"}); }
});
