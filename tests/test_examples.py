"""``examples/explore.ipynb`` runs top to bottom against an imported shared dataset and answers correctly."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import psycopg
import pytest
from nbclient import NotebookClient

from mirror.db import libpq_url

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "explore.ipynb"
# Appended by the test: what the notebook computed, as JSON on stdout.
REPORT = """import json
print(json.dumps({
    "per_year": per_year.astype({"year": int, "releases": int}).values.tolist(),
    "per_country": per_country[["country", "releases"]].astype({"releases": int}).values.tolist(),
    "top_labels": top_labels[["label", "releases"]].astype({"releases": int}).values.tolist(),
    "by_area": by_area.astype({"artists": int}).values.tolist(),
    "artist": artist.name,
    "closed": m.closed,
}))"""


def rows(url: str, query: str) -> list[list[Any]]:
    with psycopg.connect(libpq_url(url)) as conn:
        return [list(row) for row in conn.execute(query)]  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def executed(imported_dataset: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory) -> Any:
    url = imported_dataset("ds01")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(REPORT))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MBMIRROR_DATABASE_URL", url)
        patch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        client = NotebookClient(notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": "."}})
        client.execute()
    return url, notebook


def outputs(notebook: Any, tag: str) -> list[Any]:
    return [out for cell in notebook.cells if tag in cell.metadata.get("tags", []) for out in cell.get("outputs", [])]


def test_committed_notebook_has_no_outputs() -> None:
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(cell.outputs == [] and cell.execution_count is None for cell in code)


def test_notebook_answers_match_the_database(executed: Any) -> None:
    url, notebook = executed
    report = json.loads(notebook.cells[-1].outputs[0]["text"])
    dated = rows(
        url,
        "SELECT count(DISTINCT release) FROM (SELECT release, date_year FROM musicbrainz.release_country "
        "UNION ALL SELECT release, date_year FROM musicbrainz.release_unknown_country) e WHERE date_year IS NOT NULL",
    )
    assert sum(count for _, count in report["per_year"]) == dated[0][0] > 0
    assert [year for year, _ in report["per_year"]] == sorted(year for year, _ in report["per_year"])
    events = rows(url, "SELECT count(DISTINCT (release, country)) FROM musicbrainz.release_country")
    assert sum(count for _, count in report["per_country"]) == events[0][0] > 0  # fewer than 15 countries
    per_label = rows(
        url,
        "SELECT l.name, count(*) FROM (SELECT DISTINCT release, label FROM musicbrainz.release_label) rl "
        "JOIN musicbrainz.label l ON l.id = rl.label GROUP BY l.id, l.name ORDER BY 2 DESC, 1",
    )
    assert report["top_labels"] == per_label[:15]
    label_total = rows(url, "SELECT count(DISTINCT (release, label)) FROM musicbrainz.release_label")
    assert sum(count for _, count in report["top_labels"]) == label_total[0][0]
    assert sum(count for _, count in report["by_area"]) == rows(url, "SELECT count(*) FROM musicbrainz.artist")[0][0]
    assert report["artist"] and report["closed"] is True


def test_notebook_draws_a_figure_per_question(executed: Any) -> None:
    _, notebook = executed
    for tag in ("per-year", "per-country", "top-labels", "by-area"):
        kinds = [out.get("output_type") for out in outputs(notebook, tag)]
        images = [out for out in outputs(notebook, tag) if "image/png" in out.get("data", {})]
        assert images, f"{tag}: no figure in {kinds}"
        tables = [out for out in outputs(notebook, tag) if "text/html" in out.get("data", {})]
        assert tables, f"{tag}: no table"
    assert not [out for cell in notebook.cells for out in cell.get("outputs", []) if out.get("output_type") == "error"]
