/* Familyapp page script: service worker registration and updates, small progressive touches.
   No inline script anywhere (strict CSP); everything hangs off data- attributes. */
(function () {
  "use strict";

  function registerServiceWorker() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (registration) {
      function offerUpdate(worker) {
        var banner = document.getElementById("update-banner");
        if (!banner) return;
        banner.hidden = false;
        var button = banner.querySelector("button");
        button.addEventListener("click", function () {
          document.documentElement.setAttribute("data-sw-updating", "");
          worker.postMessage({ type: "SKIP_WAITING" });
        });
      }
      if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
      registration.addEventListener("updatefound", function () {
        var worker = registration.installing;
        if (!worker) return;
        worker.addEventListener("statechange", function () {
          if (worker.state === "installed" && navigator.serviceWorker.controller) offerUpdate(worker);
        });
      });
    }).catch(function (error) {
      // No service worker (private mode, first load with no network): the app still works,
      // only without its offline shell.
      console.warn("service worker not registered", error);
    });
    var reloaded = false;
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      if (reloaded || !document.documentElement.hasAttribute("data-sw-updating")) return;
      reloaded = true;
      window.location.reload();
    });
  }

  function wireConfirmations() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
  }

  function wireCopyButtons() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var target = document.getElementById(button.getAttribute("data-copy"));
        if (!target || !navigator.clipboard) return;
        navigator.clipboard.writeText(target.value || target.textContent).then(function () {
          button.textContent = button.getAttribute("data-copied") || button.textContent;
        });
      });
    });
  }

  function wireLanguageSelect() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  // The worker is registered once the page has loaded: its precache of the app shell then does
  // not compete with the page's own requests and scripts on a slow phone's first visit.
  function afterLoad(callback) {
    if (document.readyState === "complete") callback();
    else window.addEventListener("load", callback);
  }

  document.addEventListener("DOMContentLoaded", function () {
    afterLoad(registerServiceWorker);
    wireConfirmations();
    wireCopyButtons();
    wireLanguageSelect();
  });
})();
