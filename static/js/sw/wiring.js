/* Wiring: lifecycle and routing of requests to strategies. */

self.addEventListener("install", (event) => {
  event.waitUntil(precacheShell());
});

self.addEventListener("activate", (event) => {
  event.waitUntil(dropOldCaches().then(() => self.clients.claim()));
});

self.addEventListener("message", (event) => {
  // An update applies when the page asks for it, so a form being filled in is never lost.
  if (event.data && event.data.type === "SKIP_WAITING") self.skipWaiting();
  if (event.data && event.data.type === "VERSION" && event.ports[0]) event.ports[0].postMessage(FAMILYAPP_VERSION);
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(networkFirstPage(event));
  }
});

// Background Sync, where the browser has it: the outbox is sent even after the page closed.
self.addEventListener("sync", (event) => {
  if (event.tag === "familyapp-outbox") event.waitUntil(FamilyappOutbox.flush());
});
