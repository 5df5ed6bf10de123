/* Recourse intake and case page: small enhancements. Every page works without this file. */
(function () {
  "use strict";

  // Print button on the receipt (the no-JS hint is hidden when this runs).
  document.querySelectorAll("[data-print]").forEach(function (btn) {
    btn.classList.remove("d-none");
    btn.addEventListener("click", function () { window.print(); });
  });
  if (document.querySelector("[data-print]")) {
    document.querySelectorAll(".js-fallback").forEach(function (el) { el.classList.add("d-none"); });
  }

  // A form marked data-once submits once: a double click must not look like it did nothing.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (btn) {
        setTimeout(function () { btn.disabled = true; }, 0);
      });
    });
  });

  // Picture progress on the case page: refresh each picture's state until none is pending.
  var list = document.getElementById("image-progress");
  var url = list && list.getAttribute("data-progress-url");
  if (!url || !window.fetch) { return; }
  var tries = 0;
  function poll() {
    tries += 1;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        data.images.forEach(function (image) {
          var item = list.querySelector('[data-image="' + image.number + '"] .image-state');
          if (item && item.textContent !== image.sentence) { item.textContent = image.sentence; }
        });
        if (data.pending && tries < 120) { setTimeout(poll, 3000); }
      })
      .catch(function () { /* the Refresh link still works */ });
  }
  setTimeout(poll, 2000);
})();
