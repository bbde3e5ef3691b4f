"""Appointments at a council office: the resident pages."""
