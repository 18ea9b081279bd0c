"""A PostgreSQL backend that starts the embedded server the first time Django connects.

Used when DATABASE_URL is not set. The server lives in a git-ignored data folder and is
started on demand, so commands that never touch the database (ruff, `check`) start nothing.
"""
