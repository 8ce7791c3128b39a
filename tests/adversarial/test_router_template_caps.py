"""Issue 12 item 6, templates: the Jinja sandbox that prompt templates and HTTP tool URLs and bodies
render in caps every value a template can build, as router expressions do.

Jinja's stock sandbox rendered each of these attacks to 100 MB or more (``9 ** 9999999`` runs for
minutes); each must now be refused quickly with a message, before it allocates.
"""

from __future__ import annotations

import time

import pytest

from app.studio.nodes.prompt_template import render
from app.studio.registry import NodeError
from app.studio.sandbox import MAX_OUTPUT

HUGE = 999_999_999


@pytest.mark.parametrize(
    "template",
    [
        f"{{{{ 'x' * {HUGE} }}}}",
        f"{{{{ {HUGE} * ['x'] }}}}",
        f"{{{{ '%0{HUGE}d' % 1 }}}}",
        f"{{{{ '%.{HUGE}f' % 1.5 }}}}",
        f"{{{{ 9 ** {HUGE} }}}}",
        "{{ text + text }}",
        f"{{{{ 'x'.ljust({HUGE}) }}}}",
        f"{{{{ 'x'.rjust({HUGE}) }}}}",
        f"{{{{ 'x'.center({HUGE}) }}}}",
        f"{{{{ 'x'.zfill({HUGE}) }}}}",
        f"{{{{ '\\t'.expandtabs({HUGE}) }}}}",
        "{{ text.replace('', text) }}",
        "{{ text.join([text, text, text]) }}",
        f"{{{{ '{{:>{HUGE}}}'.format(1) }}}}",
        f"{{{{ '{{v:>{HUGE}}}'.format_map({{'v': 1}}) }}}}",
        f"{{{{ 'x'|center({HUGE}) }}}}",
        f"{{{{ 'x'|indent({HUGE}, true) }}}}",
        f"{{{{ '%0{HUGE}d'|format(1) }}}}",
        "{{ text|replace('', text) }}",
        f"{{{{ [1]|batch({HUGE}, 'x')|list }}}}",
        f"{{{{ [1]|slice({HUGE})|list }}}}",
        "{{ text|wordwrap(1, wrapstring=text) }}",
        f"{{{{ lipsum({HUGE}) }}}}",
        "{% for i in range(100000) %}{{ text }}{% endfor %}",  # small pieces, many times
    ],
)
def test_templates_cannot_build_huge_values(template: str) -> None:
    start = time.monotonic()
    with pytest.raises(NodeError, match=r"too large|longer than|lipsum"):
        render(template, {"text": "y" * 1_200_000})
    assert time.monotonic() - start < 5, "refused only after building it"


def test_nested_loops_that_print_nothing_are_stopped() -> None:
    start = time.monotonic()
    with pytest.raises(NodeError, match="loops over more than"):
        render("{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}", {})
    assert time.monotonic() - start < 5
    assert render("{% for a in range(1000) %}{% for b in range(900) %}{% endfor %}{% endfor %}ok", {}) == "ok"


def test_lists_cannot_grow_themselves() -> None:
    with pytest.raises(NodeError, match=r"unsafe|not safely callable|access"):
        render("{% set l = [1] %}{{ l.extend(l) }}", {})


@pytest.mark.parametrize(
    ("template", "text"),
    [
        ("{{ 'ab' * 3 }}|{{ '%05.1f' % 2.25 }}|{{ 2 ** 10 }}", "ababab|002.2|1024"),
        ("{{ 'x'.ljust(3, '.') }}{{ 'y'|center(5) }}{{ '{:>4}'.format(7) }}", "x..  y     7"),
        (
            "{{ name|replace('a', 'o') }} {{ ['a', 'b']|join(', ') }} {{ [1, 2, 3]|batch(2)|list }}",
            "bob a, b [[1, 2], [3]]",
        ),
        ("{{ '%s!'|format(name) }} {{ name|indent(2, true) }}", "bab!   bab"),
    ],
)
def test_ordinary_templates_still_render(template: str, text: str) -> None:
    assert render(template, {"name": "bab"}) == text


def test_output_up_to_the_limit_renders() -> None:
    assert len(render("{{ text }}{{ text }}", {"text": "z" * (MAX_OUTPUT // 2)})) == MAX_OUTPUT
