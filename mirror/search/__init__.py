"""Search: text analysis, the index in PostgreSQL, Lucene queries, ranking (see README "Search")."""

from mirror.search.engine import CORES, Hit, SearchOptions, SearchResult, search

__all__ = ["CORES", "Hit", "SearchOptions", "SearchResult", "search"]
