"""The web intake: boards upload their return and see its findings at once; assurers see the
national picture live. One FastAPI app (app.py) over a database (SQLAlchemy with Alembic
migrations: database.py, models.py, records.py), a content-addressed file store (files.py),
access keys (access.py, auth.py) and the batch stage's workers, counting rule and dashboard.
Architecture and access model: docs/web.md.
"""
