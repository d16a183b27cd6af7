"""The audit trail: role changes, password links, deactivations and appeal decisions.

`service.record` writes an entry in the caller's transaction; the admin page
(views.py, imported by the app factory) lets admins browse and export them.
"""
