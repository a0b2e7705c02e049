// Single-key shortcuts of the record linkage review (the forms work without this script):
// a accept, r reject, u unsure, n next pair, p previous pair. Keys typed into a field, or
// with a modifier, are left alone.
(function () {
  "use strict";
  var keys = { a: "accept", r: "reject", u: "unsure" };
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    var k = (e.key || "").toLowerCase();
    var el = null;
    if (keys[k]) el = document.querySelector('button[data-shortcut="' + k + '"]');
    else if (k === "n") el = document.querySelector('a[data-shortcut="n"]');
    else if (k === "p") el = document.querySelector('a[data-shortcut="p"]');
    if (el) {
      e.preventDefault();
      el.click();
    }
  });
})();
