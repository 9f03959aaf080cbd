// The KHQR countdown on the payment page: the time left is rendered by the server (data-countdown, in
// seconds); without JavaScript the page shows the expiry time instead.
(function () {
  "use strict";
  function format(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }
  function start(element) {
    var left = parseInt(element.getAttribute("data-countdown"), 10) || 0;
    var value = element.querySelector("[data-countdown-value]");
    element.hidden = false;
    var deadline = Date.now() + left * 1000;
    function tick() {
      var seconds = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      if (seconds === 0) {
        element.textContent = element.getAttribute("data-expired-text");
        element.setAttribute("data-expired", "true");
        return;
      }
      value.textContent = format(seconds);
      window.setTimeout(tick, 1000);
    }
    tick();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-countdown]").forEach(start);
  });
})();
