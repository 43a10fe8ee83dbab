/* The offline copy on the page: a live page from the server says who is signed in, so the
   device's copy follows it. Signed out (or the session ended): every copy is deleted. Another
   person: the previous person's copy is deleted. A shared device: nothing is kept. Otherwise the
   person's pages are fetched again at most every ten minutes while online. */
(function () {
  "use strict";
  if (typeof FamilyappOfflineCopy === "undefined" || !("caches" in window)) return;
  var root = document.documentElement;
  var body = document.body;
  function ready(kept) { root.setAttribute("data-offline-ready", String(kept || 0)); }
  // The offline fallback and a copy shown from the phone say nothing about who is signed in.
  if (body.hasAttribute("data-fallback") || root.getAttribute("data-offline-copy") === "yes") return;
  var user = body.getAttribute("data-user");
  var REFRESH_MS = 10 * 60 * 1000;

  if (!user || body.getAttribute("data-offline") !== "keep") {
    FamilyappOfflineCopy.wipe().then(ready, ready);
    return;
  }

  function refresh() {
    return FamilyappOfflineCopy.claim(user)
      .then(FamilyappOfflineCopy.readState)
      .then(function (state) {
        if (!navigator.onLine) return 0;
        if (state.refreshed && Date.now() - state.refreshed < REFRESH_MS) return 0;
        return FamilyappOfflineCopy.refresh(user, "/offline/pages.json");
      })
      .then(ready, function () { ready(0); });
  }

  // Kept when the page has loaded and the phone is idle: fetching and storing a dozen pages
  // must not hold up the page the person opened (a wipe, above, never waits).
  function whenIdle(callback) {
    var later = window.requestIdleCallback
      ? function () { window.requestIdleCallback(callback, { timeout: 3000 }); }
      : function () { window.setTimeout(callback, 200); };
    if (document.readyState === "complete") later();
    else window.addEventListener("load", later);
  }

  window.addEventListener("online", refresh);
  whenIdle(refresh);
})();
