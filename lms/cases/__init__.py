"""Case-review knowledge base (5.4): authoring, review workflow, search, ratings, sharing sessions.

Blueprints live in views.py; the app factory imports them, so importing this
package (for its loader or services) pulls in no views.
"""
