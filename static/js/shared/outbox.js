/* The outbox: writes made with no network, kept in IndexedDB until the server takes them
   (design.md, Offline). Shared by the pages and the service worker (Background Sync), so it
   touches no DOM. Each entry is sent with its own UUID as Idempotency-Key: a replay after a
   lost answer lands once. An entry leaves the outbox only on 2xx; a permanent 4xx marks it
   "could not sync" with the server's reason; 401 waits for the same user to sign in again;
   429, 5xx and network errors wait for the next try. Entries belong to the user who made
   them and are only ever sent in that user's session. */
var FamilyappOutbox = (function () {
  "use strict";
  var DB_NAME = "familyapp-outbox";
  var STORE = "entries";

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "id" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && result.result !== undefined ? result.result : result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function put(entry) {
    return withStore("readwrite", function (store) { store.put(entry); });
  }

  function remove(id) {
    return withStore("readwrite", function (store) { store.delete(id); });
  }

  function entriesOf(user) {
    return withStore("readonly", function (store) { return store.getAll(); }).then(function (all) {
      return (all || []).filter(function (entry) { return entry.user === user; })
        .sort(function (a, b) { return a.created < b.created ? -1 : 1; });
    });
  }

  // kind "json" (the default) sends `body` as JSON to the API; kind "form" sends `body`, a list
  // of [name, value] pairs, as the HTML form it came from (a plan section with its version),
  // so the server's own rules and conflict screen apply; kind "timer-start"/"timer-stop" are
  // JSON with a meaning the page shows (a stopwatch running on this phone).
  function add(user, id, method, url, body, label, kind) {
    return put({
      id: id, user: user, method: method, url: url, body: body, label: label,
      kind: kind || "json", created: new Date().toISOString(), status: "waiting", reason: "",
    });
  }

  function requestOf(entry, session) {
    var headers = { "X-CSRFToken": session.csrf_token, "Idempotency-Key": entry.id };
    var body;
    if (entry.kind === "form") {
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(entry.body).toString();
    } else {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(entry.body);
    }
    return { method: entry.method, credentials: "same-origin", headers: headers, body: body };
  }

  // A form post whose session ended lands, after redirects, on the sign-in page: not saved.
  function landedOnSignIn(response) {
    return response.redirected && new URL(response.url).pathname === "/login";
  }

  function reasonOf(response) {
    return response.json().then(function (problem) {
      var parts = [problem.detail || problem.title || String(response.status)];
      var errors = problem.errors || {};
      Object.keys(errors).forEach(function (key) {
        if (key !== "_") parts.push(key + ": " + [].concat(errors[key]).join(" "));
      });
      return parts.join(" ");
    }).catch(function () { return String(response.status); });
  }

  var flushing = null;
  var queued = null;

  // Send what waits for the signed-in user; resolves to how many entries were delivered.
  function flush() {
    // Asked again while a pass runs (a tab coming back, 'online'): that pass may have started
    // before the newest entries, or may be about to stop at a lost connection, so one more
    // pass follows it rather than the ask being folded into it.
    if (flushing) {
      if (!queued) {
        queued = flushing.then(function () { queued = null; return flush(); });
      }
      return queued;
    }
    flushing = fetch("/api/v1/session", { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (session) {
        if (!session || !session.user) return 0;  // 401: wait for the same user to sign in
        return entriesOf(session.user.id).then(function (entries) {
          var sent = 0;
          var waiting = entries.filter(function (entry) { return entry.status === "waiting"; });
          function next(index) {
            if (index >= waiting.length) return sent;
            var entry = waiting[index];
            return fetch(entry.url, requestOf(entry, session)).then(function (response) {
              if (response.ok && landedOnSignIn(response)) return sent;  // wait for sign-in
              if (response.ok) {
                sent += 1;
                return remove(entry.id).then(function () { return next(index + 1); });
              }
              if (response.status === 401 || response.status === 429 || response.status >= 500) {
                return sent;  // try again later, in order
              }
              // A form's refusal is an HTML page (the plan's conflict screen): the page offers
              // to open it again, so the person sees both versions and chooses.
              var why = entry.kind === "form" ? Promise.resolve("") : reasonOf(response);
              return why.then(function (reason) {
                entry.status = "failed";
                entry.reason = reason;
                entry.code = response.status;
                return put(entry).then(function () { return next(index + 1); });
              });
            });
          }
          return next(0);
        });
      })
      .catch(function () { return 0; })  // no network: everything stays for the next try
      .finally(function () { flushing = null; });
    return flushing;
  }

  return { add: add, remove: remove, entriesOf: entriesOf, flush: flush };
})();
