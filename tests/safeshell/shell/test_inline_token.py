"""Recognising a leading SAFESHELL_APPROVAL_TOKEN=T assignment in front of a command."""

from __future__ import annotations

import pytest

from safeshell.shell.inline_token import split_inline_token


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SAFESHELL_APPROVAL_TOKEN=ss1.abc rm -rf current_model", ("ss1.abc", "rm -rf current_model")),
        # Quoted values decode as bash decodes them.
        ("SAFESHELL_APPROVAL_TOKEN='ss1.abc' rm x", ("ss1.abc", "rm x")),
        ('SAFESHELL_APPROVAL_TOKEN="ss1.abc" rm x', ("ss1.abc", "rm x")),
        ("SAFESHELL_APPROVAL_TOKEN=ss1.'a'\"b\"c rm x", ("ss1.abc", "rm x")),
        ("SAFESHELL_APPROVAL_TOKEN=ss1\\.abc rm x", ("ss1.abc", "rm x")),
        # Leading and separating blanks go; the command keeps the rest as written.
        ("  SAFESHELL_APPROVAL_TOKEN=t\t rm  -rf  'a b' && ls", ("t", "rm  -rf  'a b' && ls")),
        # Another assignment may follow: it belongs to the command.
        ("SAFESHELL_APPROVAL_TOKEN=t X=1 make", ("t", "X=1 make")),
    ],
)
def test_leading_assignment_split(text: str, expected: tuple[str, str]) -> None:
    assert split_inline_token(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "rm -rf current_model",
        "X=1 SAFESHELL_APPROVAL_TOKEN=t rm x",  # not the first word
        "echo SAFESHELL_APPROVAL_TOKEN=t rm x",  # an argument, not an assignment
        "SAFESHELL_APPROVAL_TOKEN=$T rm x",  # an expansion has no literal value
        'SAFESHELL_APPROVAL_TOKEN="$T" rm x',
        "SAFESHELL_APPROVAL_TOKEN=`cat t` rm x",
        "SAFESHELL_APPROVAL_TOKEN=~/t rm x",  # tilde expansion in an assignment
        "SAFESHELL_APPROVAL_TOKEN=t; rm x",  # a shell variable, not a command prefix
        "SAFESHELL_APPROVAL_TOKEN=t && rm x",
        "SAFESHELL_APPROVAL_TOKEN=t\nrm x",
        "SAFESHELL_APPROVAL_TOKEN=t",
        "SAFESHELL_APPROVAL_TOKEN=t   ",
        "SAFESHELL_APPROVAL_TOKEN= rm x",  # empty value
        "SAFESHELL_APPROVAL_TOKEN='t rm x",  # unterminated quote
        "SAFESHELL_APPROVAL_TOKEN=t>f rm x",
        "SAFESHELL_APPROVAL_TOKEN=t # rm x",
        "SAFESHELL_APPROVAL_TOKEN+=t rm x",
        "SAFESHELL_APPROVAL_TOKENX=t rm x",
    ],
)
def test_other_text_left_alone(text: str) -> None:
    assert split_inline_token(text) is None
