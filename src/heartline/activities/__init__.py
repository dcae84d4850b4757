"""Calls, meetings, tasks and reminders; my day; iCalendar feeds."""
