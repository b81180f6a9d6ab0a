"""Use cases: each one owns its transaction, applies the rules, writes the audit log.

Handlers and jobs call these; they never touch SQL or branch on rules themselves.
"""
