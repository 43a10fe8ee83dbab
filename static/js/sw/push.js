/* Push: show the reminder the server sent (it carries no health details) and open the right
   page when it is tapped. The tag is the reminder's id, so a repeat replaces, never adds. */

self.addEventListener("push", (event) => {
  let message = { title: "Familyapp", body: "", url: "/", tag: "familyapp" };
  try {
    if (event.data) message = Object.assign(message, event.data.json());
  } catch (error) {
    // A message we cannot read still tells the person to look at the app.
  }
  event.waitUntil(
    self.registration.showNotification(message.title, {
      body: message.body,
      tag: message.tag,
      icon: "/static/icons/icon-192.png",
      badge: "/static/icons/icon-192.png",
      data: { url: message.url },
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  if (target.origin !== self.location.origin) return; // only ever open our own pages
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if (new URL(client.url).origin === target.origin && "focus" in client) {
          return client.navigate(target.href).then((navigated) => (navigated || client).focus());
        }
      }
      return self.clients.openWindow(target.href);
    })
  );
});
