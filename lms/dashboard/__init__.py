"""One dashboard page per role; later features add their panels.

Blueprints live in views.py; the app factory imports them, so importing this
package (for its loader or services) pulls in no views.
"""
