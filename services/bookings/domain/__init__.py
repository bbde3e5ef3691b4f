"""The rules of office appointments: plain Python, no nameko, HTTP or SQL.
The service shell loads offices, advisers and bookings, asks these modules,
and stores and announces what they decide.

model: offices, appointment types, advisers and slots, and their stored form.
availability: the slots an office can offer on a day, with real capacity.
window: what a triaged housing case may book, and when a booking may change.
calendar_file: a booking as an RFC 5545 invitation for the resident's calendar.
"""
