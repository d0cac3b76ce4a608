"""The read side used by ``api/``: every SQL statement the API runs lives in this package.

Functions take an open psycopg ``AsyncConnection`` whose rows are dicts (``dict_row``) and return plain dicts
keyed by ws/2-independent names; the API layer shapes them into XML or JSON.
"""
