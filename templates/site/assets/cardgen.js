// cardgen site: filter the home page's card table as you type. No dependencies, no
// network: it only hides and shows rows that are already on the page.
(function () {
  "use strict";
  function setUp() {
    var input = document.getElementById("cardgen-filter");
    if (!input) { return; }
    var kind = document.getElementById("cardgen-kind");
    var count = document.getElementById("cardgen-count");
    var table = document.querySelector("article table");
    if (!table || !table.tBodies.length) { return; }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var texts = rows.map(function (row) { return row.textContent.toLowerCase(); });
    var kinds = rows.map(function (row) { return row.cells[1].textContent.trim(); });
    function apply() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var wanted = kind ? kind.value : "";
      var shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var ok = (!wanted || kinds[i] === wanted) && words.every(function (w) {
          return texts[i].indexOf(w) !== -1;
        });
        rows[i].hidden = !ok;
        if (ok) { shown++; }
      }
      count.textContent = shown + " of " + rows.length + " cards";
    }
    input.addEventListener("input", apply);
    if (kind) { kind.addEventListener("change", apply); }
    apply();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
