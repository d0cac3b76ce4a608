"""Shared test configuration: the heavy fixtures live in plugin modules under tests/fixtures/."""

pytest_plugins = ["tests.fixtures.samples", "tests.fixtures.dumps", "tests.fixtures.db"]
