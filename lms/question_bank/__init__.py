"""The question bank (quizzes/): loader, GIFT import and export, sync, check and the HR browser.

Blueprints live in views.py; the app factory imports them, so importing this
package (for its loader or services) pulls in no views.
"""
