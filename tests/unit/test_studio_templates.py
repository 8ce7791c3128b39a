"""The starter agents the app ships: all read and validate, in gallery order; a damaged one is left out."""

from __future__ import annotations

from pathlib import Path

from app.studio.templates import blank_graph, load_templates, templates_dir
from app.studio.validate import validate


def test_shipped_templates_read_validate_and_come_in_gallery_order() -> None:
    templates = load_templates()
    assert [t.key for t in templates] == ["digit_router", "local_chat", "question_router"]
    for template in templates:
        assert template.title and template.description
        assert validate(template.graph) == [], template.key
    assert templates_dir().parent.name == "resources", "shipped as resources, so installers carry them"


def test_a_damaged_template_is_left_out_not_half_loaded(tmp_path: Path) -> None:
    good = load_templates()[0]
    (tmp_path / "good.sahara-agent").write_text(good.graph.to_json())
    (tmp_path / "broken.sahara-agent").write_text('{"schema_version": 1, "nodes": [{"id": 5}]}')
    (tmp_path / "newer.sahara-agent").write_text('{"schema_version": 999}')
    assert [t.key for t in load_templates(tmp_path)] == ["good"]


def test_blank_graph_is_empty() -> None:
    assert blank_graph().nodes == [] and blank_graph().edges == []


def test_the_examples_and_their_templates_are_the_same_files() -> None:
    """The repository's examples/agents ship as templates too; they must not drift apart."""
    examples = sorted((templates_dir().parents[1] / "examples" / "agents").glob("*.sahara-agent"))
    assert examples
    for example in examples:
        assert (templates_dir() / example.name).read_bytes() == example.read_bytes(), example.name
