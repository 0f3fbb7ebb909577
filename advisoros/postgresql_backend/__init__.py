"""django-tenants' PostgreSQL backend, minus a `SET search_path` per request (base.py)."""
