/* Recourse: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";
  var exitUrl = document.body.getAttribute("data-quick-exit") || "https://www.google.com/";

  function quickExit(event) {
    if (event) { event.preventDefault(); }
    document.body.style.display = "none";
    try { window.history.replaceState(null, "", "/"); } catch (e) { /* ignore */ }
    // replace(): the portal does not stay in the back-button history.
    window.location.replace(exitUrl);
  }

  var button = document.getElementById("quick-exit");
  if (button) { button.addEventListener("click", quickExit); }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") { quickExit(event); }
  });

  // The language selector submits itself; its button stays for people without JavaScript.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    var form = select.form;
    form.querySelectorAll(".js-hide").forEach(function (el) { el.classList.add("d-none"); });
    select.addEventListener("change", function () { form.submit(); });
  });

  // Copy buttons: <button data-copy-target="id">.
  document.querySelectorAll("[data-copy-target]").forEach(function (btn) {
    btn.addEventListener("click", function () {
      var target = document.getElementById(btn.getAttribute("data-copy-target"));
      if (!target) { return; }
      var text = target.value !== undefined ? target.value : target.textContent;
      navigator.clipboard.writeText(text).then(function () {
        var original = btn.textContent;
        btn.textContent = btn.getAttribute("data-copied-label") || "Copied";
        setTimeout(function () { btn.textContent = original; }, 2000);
      });
    });
  });

  // "I submitted it at" is typed in local time; tell the server the browser's offset from UTC.
  document.querySelectorAll("input[data-tz-offset]").forEach(function (input) {
    input.value = String(new Date().getTimezoneOffset());
  });

  // Deadlines are written in UTC; add the viewer's own time zone next to them.
  document.querySelectorAll("time[data-local-time]").forEach(function (el) {
    var moment = new Date(el.getAttribute("datetime"));
    if (isNaN(moment.getTime())) { return; }
    var local = moment.toLocaleString(document.documentElement.lang || undefined, {
      dateStyle: "medium", timeStyle: "short", timeZoneName: "short"
    });
    var span = document.createElement("span");
    span.className = "local-time";
    span.textContent = " (" + local + ")";
    el.after(span);
  });

  // Error summaries take focus so screen readers announce them first.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
})();
