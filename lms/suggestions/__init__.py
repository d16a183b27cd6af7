"""Sales-process improvement suggestions, adopted or declined by the author's manager (精神奖励).

Blueprints live in views.py; the app factory imports them, so importing this
package (for its services) pulls in no views.
"""
