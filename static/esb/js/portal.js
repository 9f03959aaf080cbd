/* Header menus: on a phone the main menu and the account area are <details> toggles (they work without this
   script). From 768 px wide this keeps them open and marks the page, so CSS can hide the toggles and show the
   links as a plain row. Loaded with `defer` from base.html; no inline script (CSP script-src 'self'). */
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 768px)");
  function sync() {
    document.querySelectorAll("details[data-esb-wide-open]").forEach(function (menu) {
      menu.open = wide.matches;
    });
  }
  document.documentElement.classList.add("esb-js");
  sync();
  if (wide.addEventListener) {
    wide.addEventListener("change", sync);
  }
})();
