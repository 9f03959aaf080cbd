// Live search of the sandbox login page. Without JavaScript the same search runs on the server (GET ?q=);
// with it, rows are shown and hidden as the person types, and the address keeps the search (so the
// language switch and a reload keep it too).
(function () {
  "use strict";
  var input = document.getElementById("cdk-q");
  if (!input) return;
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-search]"));
  var groups = Array.prototype.slice.call(document.querySelectorAll("[data-identity-group]"));
  var count = document.getElementById("cdk-count");
  var none = document.getElementById("cdk-none");
  var kept = document.querySelector("#cdk-identities input[name=q]");

  function apply() {
    var words = input.value.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    rows.forEach(function (row) {
      var text = row.getAttribute("data-search");
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      row.hidden = !match;
      if (match) shown += 1;
    });
    groups.forEach(function (group) {
      group.hidden = !group.querySelector("[data-search]:not([hidden])");
    });
    if (none) none.hidden = shown > 0;
    if (count) {
      count.textContent = count.getAttribute("data-template")
        .replace("%(shown)s", String(shown))
        .replace("%(total)s", count.getAttribute("data-total"));
    }
    if (kept) kept.value = input.value;
    var url = new URL(window.location.href);
    if (input.value.trim()) url.searchParams.set("q", input.value.trim()); else url.searchParams.delete("q");
    window.history.replaceState(null, "", url);
    var next = document.querySelector(".esb-lang input[name=next]");
    if (next) next.value = url.pathname + url.search;
  }

  input.addEventListener("input", apply);
  input.form.addEventListener("submit", function (event) {
    event.preventDefault(); // already filtered in place
    apply();
  });
})();
