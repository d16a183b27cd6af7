"""HR's performance grades (7.2): import, corrections, distribution; their 7.4 follow-up; awards.

Blueprints live in views.py; the app factory imports them, so importing this
package (for its services) pulls in no views.
"""
