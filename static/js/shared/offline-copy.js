/* The per-user offline copy (design.md, Offline): the pages a signed-in person needs with no
   network (home, plan, sick-day plans, emergency card, the next 30 days, the care log, open
   surveys), kept in Cache Storage under a cache of their own. This is health information on
   the device, so it is kept only for the person the server named (the X-Familyapp-Offline-User
   header), never mixed between people, dropped when another person signs in, at sign-out, when
   the session is found ended, after the session's longest lifetime offline, and never kept on a
   shared device. Shared by the pages and the service worker, so it touches no DOM. */
var FamilyappOfflineCopy = (function () {
  "use strict";
  var PREFIX = "familyapp-user-";
  var STATE_CACHE = "familyapp-device";
  var STATE_KEY = "/__familyapp/offline-state";
  var OWNER_HEADER = "X-Familyapp-Offline-User";
  var CACHED_AT_HEADER = "X-Familyapp-Cached-At";
  // Never longer offline than a session may last online (FAMILYAPP_SESSION_ABSOLUTE_SECONDS).
  var DEFAULT_MAX_AGE_MS = 14 * 24 * 3600 * 1000;

  function maxAge() {
    return (typeof FAMILYAPP_OFFLINE_MAX_AGE_MS === "number") ? FAMILYAPP_OFFLINE_MAX_AGE_MS : DEFAULT_MAX_AGE_MS;
  }

  function cacheName(user) { return PREFIX + user; }

  function readState() {
    return caches.open(STATE_CACHE)
      .then(function (cache) { return cache.match(STATE_KEY); })
      .then(function (response) { return response ? response.json() : {}; })
      .catch(function () { return {}; });
  }

  function writeState(state) {
    return caches.open(STATE_CACHE).then(function (cache) {
      return cache.put(STATE_KEY, new Response(JSON.stringify(state), {
        headers: { "Content-Type": "application/json" },
      }));
    });
  }

  // Delete every user's copy except `keep` (a user id, or nothing to delete them all).
  function wipe(keep) {
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf(PREFIX) === 0 && name !== (keep ? cacheName(keep) : "");
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () {
      if (keep) return null;
      return caches.delete(STATE_CACHE);
    });
  }

  // The device is now used by `user`: anyone else's copy goes, and the session is confirmed.
  function claim(user) {
    return readState().then(function (state) {
      var work = Promise.resolve();
      if (state.user && state.user !== user) {
        state = {};  // a new person: nothing of the last one's, not even when it was refreshed
        work = wipe(user);
      }
      return work.then(function () {
        state.user = user;
        state.confirmed = Date.now();
        return writeState(state);
      });
    });
  }

  // Keep a page the server marked as this user's offline copy (any other response is ignored).
  function keep(url, response) {
    var owner = response.headers.get(OWNER_HEADER);
    if (!owner || !response.ok || response.type !== "basic") return Promise.resolve(false);
    return claim(owner).then(function () { return response.blob(); }).then(function (body) {
      var headers = new Headers({ "Content-Type": response.headers.get("Content-Type") || "text/html" });
      headers.set(OWNER_HEADER, owner);
      headers.set(CACHED_AT_HEADER, String(Date.now()));
      return caches.open(cacheName(owner)).then(function (cache) {
        return cache.put(url, new Response(body, { status: 200, headers: headers }));
      });
    }).then(function () { return true; });
  }

  // The current user's copy of `url` marked as a copy ("as of" shows), or null.
  function find(url) {
    return readState().then(function (state) {
      if (!state.user) return null;
      if (!state.confirmed || Date.now() - state.confirmed > maxAge()) {
        return wipe().then(function () { return null; });
      }
      return caches.open(cacheName(state.user)).then(function (cache) {
        return cache.match(url, { ignoreVary: true }).then(function (found) {
          // An installed app starts at /?source=pwa: the same page as /.
          return found || cache.match(url, { ignoreVary: true, ignoreSearch: true });
        });
      }).then(function (found) {
        if (!found) return null;
        return found.text().then(function (html) {
          return new Response(html.replace('data-offline-copy="no"', 'data-offline-copy="yes"'), {
            status: 200,
            headers: { "Content-Type": "text/html; charset=utf-8" },
          });
        });
      });
    });
  }

  // Fetch the user's list of offline pages and keep each one; drop pages no longer listed
  // (a deleted sick-day plan) unless they were opened in the last day (an edit form).
  // Every fetch is marked as a prefetch: the server then leaves the session as it was (a
  // "Saved." message stays for the page the person sees) and does not count it as activity.
  var PREFETCH = { "X-Familyapp-Prefetch": "1" };

  function refresh(user, listUrl) {
    var started = Date.now();
    return fetch(listUrl, { credentials: "same-origin", cache: "no-store", headers: PREFETCH })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (listing) {
        if (!listing || listing.user !== user) return 0;
        if (!listing.keep) return wipe().then(function () { return 0; });
        var kept = 0;
        var pages = listing.pages.slice();
        function next() {
          var url = pages.shift();
          if (!url) return Promise.resolve();
          return fetch(url, { credentials: "same-origin", cache: "no-store", headers: PREFETCH })
            .then(function (response) { return keep(url, response); })
            .then(function (done) { if (done) kept += 1; }, function () { /* try next time */ })
            .then(next);
        }
        return Promise.all([next(), next(), next()]).then(function () {
          return prune(user, listing.pages, started);
        }).then(function () {
          return readState().then(function (state) {
            state.refreshed = Date.now();
            return writeState(state);
          });
        }).then(function () { return kept; });
      });
  }

  function prune(user, listed, started) {
    var wanted = {};
    listed.forEach(function (url) { wanted[new URL(url, self.location.href).href] = true; });
    return caches.open(cacheName(user)).then(function (cache) {
      return cache.keys().then(function (requests) {
        return Promise.all(requests.map(function (request) {
          if (wanted[request.url]) return null;
          return cache.match(request).then(function (response) {
            var at = Number(response && response.headers.get(CACHED_AT_HEADER)) || 0;
            if (at < started - 24 * 3600 * 1000) return cache.delete(request);
            return null;
          });
        }));
      });
    });
  }

  return { claim: claim, keep: keep, find: find, refresh: refresh, wipe: wipe, readState: readState };
})();
