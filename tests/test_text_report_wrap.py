"""The text report's line filling (issue 14): its own filler for single-spaced messages, textwrap for the rest."""

from __future__ import annotations

import textwrap

from hypothesis import given, settings
from hypothesis import strategies as st

from pcxguard.outputs.text import _wrap


def _textwrap(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False)


def test_a_message_is_filled_to_the_width_without_splitting_a_word():
    message = "aws_route.to_peer sends 10.1.0.0/16 over aws_vpc_peering_connection.a-b to module.x.aws_vpc.this"
    assert _wrap(message, 30) == ["aws_route.to_peer sends", "10.1.0.0/16 over",
                                  "aws_vpc_peering_connection.a-b", "to module.x.aws_vpc.this"]
    assert _wrap("", 10) == [] and _wrap("a\tb  c", 3) == ["a", "b", "c"]


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet="ab-./: \t\n\x1c\u00a0\u00e9", max_size=60), width=st.integers(min_value=1, max_value=20))
def test_the_same_lines_as_textwrap(text, width):
    assert _wrap(text, width) == _textwrap(text, width)
