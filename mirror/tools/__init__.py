"""Generators: table definitions from schema facts, synthetic dumps, test packets."""
