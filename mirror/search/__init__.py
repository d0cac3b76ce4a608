"""Full-text search over the mirror's data, inside PostgreSQL: the Lucene query parser and the search engine."""
