"""The appointment calendar: appointments, recurrence, reminder offsets, iCalendar feeds."""
