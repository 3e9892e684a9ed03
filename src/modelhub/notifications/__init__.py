"""Notifications: stored in the hub, e-mailed when SMTP is configured."""
