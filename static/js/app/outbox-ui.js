/* The outbox on the page: "N waiting to sync", what could not be sent and why (with a way to
   discard it), sending on start, when the network returns and when the app comes back to the
   front, and survey answers kept on the phone when there is no network. */
(function () {
  "use strict";
  var status = document.getElementById("outbox-status");
  if (!status || typeof FamilyappOutbox === "undefined" || !("indexedDB" in window)) return;
  var user = status.getAttribute("data-user");
  // A shared device keeps no health information, so nothing typed offline is kept either.
  var keepsData = document.body.getAttribute("data-offline") === "keep";
  var CAMPAIGN_EXTENSION = "https://familyapp.org/fhir/StructureDefinition/campaign";

  function render() {
    return FamilyappOutbox.entriesOf(user).then(function (entries) {
      var waiting = entries.filter(function (e) { return e.status === "waiting"; });
      var failed = entries.filter(function (e) { return e.status === "failed"; });
      var line = status.querySelector(".outbox-waiting");
      line.textContent = waiting.length
        ? status.getAttribute("data-waiting").replace("%(num)s", String(waiting.length)) : "";
      line.hidden = !waiting.length;
      var list = status.querySelector(".outbox-failed");
      list.textContent = "";
      failed.forEach(function (entry) {
        var item = document.createElement("li");
        var text = document.createElement("span");
        text.textContent = status.getAttribute("data-failed") + ": " + entry.label + ". " + entry.reason;
        if (entry.kind === "form") {
          text.textContent = entry.label + ": " + status.getAttribute(entry.code === 409 ? "data-conflict" : "data-refused");
          var open = document.createElement("button");
          open.type = "button";
          open.className = "button-small";
          open.textContent = status.getAttribute("data-open");
          open.addEventListener("click", function () { reopen(entry); });
          item.appendChild(text);
          item.appendChild(open);
          text = null;
        }
        if (entry.kind === "care-entry") {
          // Fixing it: the care page opens with this entry in its form, and the reason.
          var fix = document.createElement("button");
          fix.type = "button";
          fix.className = "button-small";
          fix.textContent = status.getAttribute("data-fix");
          fix.addEventListener("click", function () {
            var child = /\/children\/([^/]+)\//.exec(entry.url);
            window.location.assign("/care?child=" + encodeURIComponent(child ? child[1] : "") +
              "&fix=" + encodeURIComponent(entry.id));
          });
          item.appendChild(fix);
        }
        var discard = document.createElement("button");
        discard.type = "button";
        discard.className = "button-small";
        discard.textContent = status.getAttribute("data-discard");
        discard.addEventListener("click", function () {
          FamilyappOutbox.remove(entry.id).then(render);
        });
        if (text) item.appendChild(text);
        item.appendChild(discard);
        list.appendChild(item);
      });
      status.hidden = !(waiting.length || failed.length);
      status.setAttribute("data-count", String(waiting.length));
      document.dispatchEvent(new CustomEvent("familyapp:outbox", { detail: entries }));
      return entries;
    });
  }

  // Post a refused form again as the page it came from: the server shows the plan's conflict
  // screen (saved now next to yours) or the form with its errors, and the person chooses.
  function reopen(entry) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = entry.url;
    form.hidden = true;
    var token = document.querySelector("input[name=csrf_token]");
    var pairs = entry.body.concat(token ? [["csrf_token", token.value]] : []);
    pairs.forEach(function (pair) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = pair[0];
      input.value = pair[1];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    FamilyappOutbox.remove(entry.id).then(function () {
      HTMLFormElement.prototype.submit.call(form);
    });
  }

  // No network on a shared device: say so, keep nothing.
  function refuseOnSharedDevice() {
    var line = status.querySelector(".outbox-waiting");
    line.textContent = status.getAttribute("data-shared");
    line.hidden = false;
    status.hidden = false;
    line.setAttribute("tabindex", "-1");
    line.focus();
  }

  function sync() {
    return FamilyappOutbox.flush().then(render, render);
  }

  function askBackgroundSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register("familyapp-outbox");
    }).catch(function () { /* no Background Sync: 'online' and visibility still send it */ });
  }

  function newId() {
    if (self.crypto.randomUUID) return self.crypto.randomUUID();
    var b = self.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;  // version 4
    b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function typed(type, value, field) {
    if (type === "boolean") return { valueBoolean: value === "true" };
    if (type === "integer" && /^-?\d+$/.test(value)) return { valueInteger: Number(value) };
    if (type === "decimal" && isFinite(Number(value))) return { valueDecimal: Number(value) };
    if (type === "date") return { valueDate: value };
    if (type === "choice" || (type === "open-choice" && field.type !== "text")) {
      return { valueCoding: { code: value } };
    }
    return { valueString: value };  // text, and anything the server will explain is wrong
  }

  // The form as a FHIR QuestionnaireResponse: what the API takes, online or replayed later.
  function surveyResponse(form, id) {
    var items = [];
    form.querySelectorAll(".survey-item[data-type]").forEach(function (box) {
      var type = box.getAttribute("data-type");
      if (type === "group" || type === "display" || box.closest(".survey-item[hidden]")) return;
      var linkId = box.getAttribute("data-link-id");
      var answers = [];
      box.querySelectorAll('[name="' + CSS.escape(linkId) + '"]').forEach(function (field) {
        if (field.disabled) return;
        if ((field.type === "radio" || field.type === "checkbox") && !field.checked) return;
        var value = field.value.trim();
        if (value !== "") answers.push(typed(type, value, field));
      });
      if (answers.length) items.push({ linkId: linkId, answer: answers });
    });
    return {
      resourceType: "QuestionnaireResponse",
      id: id,
      status: "completed",
      questionnaire: form.getAttribute("data-questionnaire"),
      authored: new Date().toISOString(),
      extension: [{ url: CAMPAIGN_EXTENSION, valueString: form.getAttribute("data-campaign") }],
      item: items,
    };
  }

  function wireSurvey(form) {
    form.addEventListener("submit", function (event) {
      if (!event.submitter || event.submitter.value !== "send") return;  // drafts as usual
      event.preventDefault();
      var id = form.querySelector("input[name=response_id]").value;
      var body = surveyResponse(form, id);
      var done = form.getAttribute("data-done") + "?response=" + encodeURIComponent(id);

      function sendNatively() {
        // Refused (a missing answer, a closed survey): the server's page says why; the same
        // response id goes with it, so nothing can be saved twice.
        var action = document.createElement("input");
        action.type = "hidden";
        action.name = "action";
        action.value = "send";
        form.appendChild(action);
        HTMLFormElement.prototype.submit.call(form);
      }

      function keep() {
        if (!keepsData) { refuseOnSharedDevice(); return Promise.resolve(); }
        var label = document.querySelector("h1") ? document.querySelector("h1").textContent : "";
        return FamilyappOutbox.add(user, id, "POST", "/api/v1/questionnaire-responses", body, label)
          .then(function () {
            form.hidden = true;
            var notice = document.getElementById("outbox-kept");
            if (notice) { notice.hidden = false; notice.focus(); }
            askBackgroundSync();
            return render();
          });
      }

      if (!navigator.onLine) { keep(); return; }
      fetch("/api/v1/session", { credentials: "same-origin", cache: "no-store" })
        .then(function (response) { return response.json(); })
        .then(function (session) {
          return fetch("/api/v1/questionnaire-responses", {
            method: "POST",
            credentials: "same-origin",
            headers: {
              "Content-Type": "application/json",
              "X-CSRFToken": session.csrf_token,
              "Idempotency-Key": id,
            },
            body: JSON.stringify(body),
          });
        })
        .then(function (response) {
          if (response.ok) window.location.assign(done);
          else sendNatively();
        }, keep);
    });
  }

  // Care entries: online the form posts as usual; with no network the entry waits in the
  // outbox under its own id, and the form is ready for the next one with a new id.
  function wireCareEntry(form) {
    form.addEventListener("submit", function (event) {
      if (navigator.onLine) return;
      event.preventDefault();
      if (!keepsData) { refuseOnSharedDevice(); return; }
      var idField = form.querySelector("input[name=id]");
      var activity = form.querySelector("[name=activity]");
      var minutes = form.querySelector("[name=minutes]").value.trim();
      var body = {
        id: idField.value,
        activity: activity.value,
        started_at: form.querySelector("[name=started_at]").value,
        minutes: /^\d+$/.test(minutes) ? Number(minutes) : minutes,
        note: form.querySelector("[name=note]").value,
      };
      var chosen = activity.options ? activity.options[activity.selectedIndex] : null;
      var label = (chosen ? chosen.textContent.trim() : body.activity) + ", " + minutes + " min";
      FamilyappOutbox.add(user, body.id, "POST", form.getAttribute("data-url"), body, label, "care-entry")
        .then(function () {
          idField.value = newId();
          form.querySelector("[name=minutes]").value = "";
          form.querySelector("[name=note]").value = "";
          var notice = document.getElementById("outbox-kept");
          if (notice) { notice.hidden = false; notice.focus(); }
          askBackgroundSync();
          return render();
        });
    });
  }

  // The care page opened to fix a refused entry: its values go back in the form (under a new
  // id, since the refused one is spent), with the server's reason above it.
  function fixCareEntry(form) {
    var wanted = new URLSearchParams(window.location.search).get("fix");
    if (!wanted) return;
    FamilyappOutbox.entriesOf(user).then(function (entries) {
      var entry = entries.filter(function (e) { return e.id === wanted; })[0];
      if (!entry) return null;
      var body = entry.body;
      form.querySelector("[name=activity]").value = body.activity;
      form.querySelector("[name=started_at]").value = String(body.started_at).slice(0, 16);
      form.querySelector("[name=minutes]").value = String(body.minutes);
      form.querySelector("[name=note]").value = body.note || "";
      form.querySelector("input[name=id]").value = newId();
      var reason = document.createElement("p");
      reason.className = "error-summary";
      reason.setAttribute("role", "alert");
      reason.textContent = status.getAttribute("data-failed") + ": " + entry.reason;
      form.parentNode.insertBefore(reason, form);
      return FamilyappOutbox.remove(entry.id).then(render).then(function () {
        form.querySelector("[name=minutes]").focus();
      });
    });
  }

  // Signing out sends what it can, warns about what is left, then deletes this user's
  // entries from the device: the next person to use it finds nothing of theirs.
  function wireSignOut(form) {
    var ready = false;
    function leave() {
      ready = true;
      HTMLFormElement.prototype.submit.call(form);
    }
    form.addEventListener("submit", function (event) {
      if (ready) return;
      event.preventDefault();
      FamilyappOutbox.flush()
        .then(function () { return FamilyappOutbox.entriesOf(user); })
        .then(function (left) {
          var text = status.getAttribute("data-unsynced").replace("%(num)s", String(left.length));
          if (left.length && !window.confirm(text)) return null;
          return Promise.all(left.map(function (entry) { return FamilyappOutbox.remove(entry.id); }))
            .then(function () {
              return typeof FamilyappOfflineCopy !== "undefined" ? FamilyappOfflineCopy.wipe() : null;
            })
            .then(leave);
        })
        .catch(leave);
    });
  }

  // What outbox-forms.js (plan sections, the stopwatch) needs from this page's outbox.
  window.FamilyappOutboxPage = {
    user: user, keepsData: keepsData, status: status, render: render, newId: newId,
    askBackgroundSync: askBackgroundSync, refuseOnSharedDevice: refuseOnSharedDevice,
  };

  document.querySelectorAll("form[data-signout]").forEach(wireSignOut);
  document.querySelectorAll("form[data-outbox=survey]").forEach(wireSurvey);
  document.querySelectorAll("form[data-outbox=care-entry]").forEach(function (form) {
    wireCareEntry(form);
    fixCareEntry(form);
  });
  window.addEventListener("online", sync);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") sync();
  });
  sync();
})();
