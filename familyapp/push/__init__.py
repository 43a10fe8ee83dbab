"""Push reminders: VAPID keys, subscriptions, the reminder queue and its dispatcher."""
