/* Caching strategies. Only the app shell is cached here: pages with health information are
   fetched from the network (the per-user offline copy is a separate, deliberate cache). */

const SHELL_CACHE = "familyapp-shell-" + FAMILYAPP_VERSION;

async function precacheShell() {
  const cache = await caches.open(SHELL_CACHE);
  await cache.addAll(SHELL_ASSETS.map((url) => new Request(url, { cache: "reload" })));
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

async function networkFirstPage(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const offline = await caches.match(OFFLINE_URL);
    return offline || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } });
  }
}
