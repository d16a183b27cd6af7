"""The course built from the guide: reading, progress and search.

Blueprints live in views.py; the app factory imports them, so importing this
package (for its loader or services) pulls in no views.
"""
