/* Forms that keep working with no network, through the outbox (outbox-ui.js):
   - a plan section (form[data-outbox=form]) is kept as the form itself, with the plan version
     it started from; when it is sent the server's rules apply, and if the plan changed
     meanwhile the person is asked to open both and choose: nothing is overwritten silently;
   - the stopwatch (form[data-outbox=timer-start|timer-stop]) starts and stops on the phone
     at the moment it is tapped; the server gets those times when the network is back. */
(function () {
  "use strict";
  var page = window.FamilyappOutboxPage;
  if (!page || typeof FamilyappOutbox === "undefined") return;

  function notice(form, text) {
    var box = form.parentNode.querySelector(".outbox-notice");
    if (!box) {
      box = document.createElement("p");
      box.className = "notice outbox-notice";
      box.setAttribute("tabindex", "-1");
      box.setAttribute("role", "status");
      form.parentNode.insertBefore(box, form);
    }
    box.textContent = text;
    box.focus();
  }

  function wirePlanForm(form) {
    form.addEventListener("submit", function (event) {
      if (navigator.onLine) return;
      event.preventDefault();
      if (!page.keepsData) { page.refuseOnSharedDevice(); return; }
      var pairs = [];
      new FormData(form).forEach(function (value, name) {
        if (name !== "csrf_token" && typeof value === "string") pairs.push([name, value]);
      });
      if (event.submitter && event.submitter.name) pairs.push([event.submitter.name, event.submitter.value]);
      var heading = document.querySelector("h1");
      var label = form.getAttribute("data-label") || (heading ? heading.textContent.trim() : "");
      FamilyappOutbox.add(page.user, page.newId(), "POST", form.action, pairs, label, "form")
        .then(function () {
          form.hidden = true;
          notice(form, page.status.getAttribute("data-kept-form"));
          page.askBackgroundSync();
          return page.render();
        });
    });
  }

  function clock(iso) {
    return new Date(iso).toLocaleTimeString(document.documentElement.lang || undefined, {
      hour: "numeric", minute: "2-digit",
    });
  }

  // The stopwatch as the outbox knows it: started here and not yet stopped here?
  function runningHere(entries, url) {
    var running = null;
    entries.forEach(function (entry) {
      if (entry.url !== url || entry.status !== "waiting") return;
      if (entry.kind === "timer-start") running = entry;
      if (entry.kind === "timer-stop") running = null;
    });
    return running;
  }

  function wireTimer(section) {
    var start = section.querySelector("form[data-outbox=timer-start]");
    var stop = section.querySelector("form[data-outbox=timer-stop]");
    if (!stop) return;
    var url = stop.getAttribute("data-url");
    var line = section.querySelector(".timer-offline");

    function show(entries) {
      var running = runningHere(entries, url);
      if (!running || !line) return;
      line.textContent = line.getAttribute("data-text").replace("%(time)s", clock(running.body.started_at));
      line.hidden = false;
      if (start) start.hidden = true;
      stop.hidden = false;
    }
    document.addEventListener("familyapp:outbox", function (event) { show(event.detail); });

    if (start) {
      start.addEventListener("submit", function (event) {
        if (navigator.onLine) return;
        event.preventDefault();
        if (!page.keepsData) { page.refuseOnSharedDevice(); return; }
        var body = {
          activity: start.querySelector("[name=activity]").value,
          started_at: new Date().toISOString(),
        };
        var label = section.getAttribute("data-label");
        FamilyappOutbox.add(page.user, page.newId(), "POST", url, body, label, "timer-start")
          .then(function () { page.askBackgroundSync(); return page.render(); });
      });
    }
    stop.addEventListener("submit", function (event) {
      if (navigator.onLine) return;
      event.preventDefault();
      if (!page.keepsData) { page.refuseOnSharedDevice(); return; }
      var label = section.getAttribute("data-label");
      FamilyappOutbox.add(page.user, page.newId(), "DELETE", url, { ended_at: new Date().toISOString() }, label, "timer-stop")
        .then(function () {
          stop.hidden = true;
          if (line) line.hidden = true;
          if (start) start.hidden = false;
          notice(stop, stop.getAttribute("data-kept"));
          page.askBackgroundSync();
          return page.render();
        });
    });
  }

  document.querySelectorAll("form[data-outbox=form]").forEach(wirePlanForm);
  document.querySelectorAll("[data-timer]").forEach(wireTimer);
  page.render();
})();
