/* Caching strategies. The app shell is cached by version; pages are fetched from the network,
   and only those the server marks as the signed-in person's offline copy are kept, in that
   person's own cache (shared/offline-copy.js), to be shown "as of" when there is no network. */

const SHELL_CACHE = "familyapp-shell-" + FAMILYAPP_VERSION;

async function precacheShell() {
  const cache = await caches.open(SHELL_CACHE);
  // Without cookies: the offline page must name no one (it is shown to whoever uses the
  // device next), and scripts and styles need none.
  await cache.addAll(
    SHELL_ASSETS.map((url) => new Request(url, { cache: "reload", credentials: "omit" }))
  );
}

async function dropOldCaches() {
  const names = await caches.keys();
  await Promise.all(
    names
      .filter((name) => name.startsWith("familyapp-shell-") && name !== SHELL_CACHE)
      .map((name) => caches.delete(name))
  );
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { ignoreVary: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && new URL(request.url).searchParams.has("v")) {
    const cache = await caches.open(SHELL_CACHE);
    cache.put(request, response.clone());
  }
  return response;
}

async function networkFirstPage(event) {
  const request = event.request;
  try {
    const response = await fetch(request);
    event.waitUntil(FamilyappOfflineCopy.keep(request.url, response.clone()).catch(() => false));
    return response;
  } catch (error) {
    const copy = await FamilyappOfflineCopy.find(request.url).catch(() => null);
    if (copy) return copy;
    const offline = await caches.match(OFFLINE_URL);
    return offline || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } });
  }
}
