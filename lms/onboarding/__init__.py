"""First-month onboarding (5.1(3)): the program, progress, team views and reminders.

Blueprints live in views.py; the app factory imports them, so importing this
package (for its loader or services) pulls in no views.
"""
