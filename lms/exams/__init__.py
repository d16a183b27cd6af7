"""Quarterly exams (5.1(4)): definitions, papers, attempts, grading, results, remediation, analysis, appeals.

Blueprints live in views.py; the app factory imports them, so importing this
package (for its loader or services) pulls in no views.
"""
