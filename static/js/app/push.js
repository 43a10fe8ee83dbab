/* Notifications on this device: subscribe with the server's VAPID key after the person taps
   "Turn on" (browsers only ask for permission from a user gesture), and unsubscribe. */
(function () {
  "use strict";

  function csrfToken() {
    var field = document.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function send(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response;
    });
  }

  function deviceLabel() {
    var agent = navigator.userAgent;
    var platform = /iPhone|iPad/.test(agent) ? "iPhone/iPad" : /Android/.test(agent) ? "Android" :
      /Mac/.test(agent) ? "Mac" : /Windows/.test(agent) ? "Windows" : /Linux/.test(agent) ? "Linux" : "";
    var browser = /Edg\//.test(agent) ? "Edge" : /Firefox\//.test(agent) ? "Firefox" :
      /Chrom/.test(agent) ? "Chrome" : /Safari\//.test(agent) ? "Safari" : "";
    return [browser, platform].filter(Boolean).join(" · ");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var status = document.getElementById("push-status");
    var on = document.getElementById("push-on");
    var off = document.getElementById("push-off");
    if (!status || !on || !off) return;

    function show(state) {
      status.textContent = status.getAttribute("data-" + state) || "";
      on.hidden = state !== "off" && state !== "failed";
      off.hidden = state !== "on";
    }

    if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
      show("unsupported");
      return;
    }
    if (Notification.permission === "denied") {
      show("denied");
      return;
    }
    navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription().then(function (existing) {
        show(existing ? "on" : "off");

        on.addEventListener("click", function () {
          on.disabled = true;
          Notification.requestPermission().then(function (permission) {
            if (permission !== "granted") throw new Error("denied");
            return fetch("/api/v1/push/public-key", { credentials: "same-origin" });
          }).then(function (response) {
            return response.json();
          }).then(function (body) {
            return registration.pushManager.subscribe({
              userVisibleOnly: true,
              applicationServerKey: keyBytes(body.public_key),
            });
          }).then(function (subscription) {
            var json = subscription.toJSON();
            json.label = deviceLabel();
            return send("POST", "/api/v1/push/subscriptions", json);
          }).then(function () {
            window.location.reload(); // the device list now has this device
          }).catch(function (error) {
            show(Notification.permission === "denied" ? "denied" : "failed");
            console.warn("push subscription failed", error);
          }).finally(function () {
            on.disabled = false;
          });
        });

        off.addEventListener("click", function () {
          off.disabled = true;
          registration.pushManager.getSubscription().then(function (subscription) {
            if (!subscription) return null;
            var endpoint = subscription.endpoint;
            return subscription.unsubscribe().then(function () {
              return send("DELETE", "/api/v1/push/subscriptions", { endpoint: endpoint })
                .catch(function () { return null; }); // already gone on the server
            });
          }).then(function () {
            window.location.reload();
          });
        });
      });
    });
  });
})();
