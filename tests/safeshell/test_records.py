"""Record: the slots base that replaces frozen dataclasses on the hot path."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest

from safeshell.decision import Decision, Match, Verdict
from safeshell.operations import Operation, OperationKind
from safeshell.workspace import Workspace


def test_equal_fields_make_equal_records() -> None:
    first = Operation(OperationKind.DELETE, ("/ws/current_model",), "rm -rf current_model")
    second = Operation(OperationKind.DELETE, ("/ws/current_model",), "rm -rf current_model")
    assert first == second
    assert first != Operation(OperationKind.WRITE, ("/ws/current_model",), "rm -rf current_model")
    assert hash(Workspace(Path("/ws"))) == hash(Workspace(root=Path("/ws")))
    assert {Workspace(Path("/ws")): 1}[Workspace(Path("/ws"))] == 1


def test_records_of_other_classes_differ() -> None:
    operation = Operation(OperationKind.READ)
    verdict = Verdict(Decision.ALLOW, (operation,))
    assert verdict != operation
    assert operation != ("read",)


def test_assignment_after_construction_fails() -> None:
    operation = Operation(OperationKind.READ)
    with pytest.raises(AttributeError, match="'kind'"):
        operation.kind = OperationKind.DELETE  # type: ignore[misc]
    with pytest.raises(AttributeError, match="'kind'"):
        del operation.kind


def test_default_detail_is_a_new_dict() -> None:
    first, second = Operation(OperationKind.READ), Operation(OperationKind.READ)
    assert first.detail == {}
    assert first.detail is not second.detail


def test_pickle_and_copy_keep_fields() -> None:
    verdict = Verdict.combine(
        [Operation(OperationKind.DELETE, ("/a",), detail={"signal": "KILL"})],
        [Match("protect", Decision.REQUIRE_APPROVAL, Operation(OperationKind.DELETE, ("/a",)), "/a")],
        policy_version="abc",
    )
    assert pickle.loads(pickle.dumps(verdict)) == verdict
    assert copy.deepcopy(verdict) == verdict
    assert copy.copy(verdict) == verdict


def test_repr_names_every_field() -> None:
    assert repr(Operation(OperationKind.READ, ("/a",))) == (
        "Operation(kind=<OperationKind.READ: 'read'>, paths=('/a',), source='', resolved=True, detail={})"
    )


def test_class_pattern_matches_fields_by_position() -> None:
    match Operation(OperationKind.MOVE, ("/a",)):
        case Operation(kind, paths):
            assert (kind, paths) == (OperationKind.MOVE, ("/a",))
        case _:
            pytest.fail("positional class pattern did not match")


def test_choice_members_are_singletons() -> None:
    assert OperationKind("delete") is OperationKind.DELETE
    assert OperationKind(OperationKind.DELETE) is OperationKind.DELETE
    assert Decision["DENY"] is Decision.DENY
    assert Decision(2) is Decision.DENY
    assert copy.deepcopy(OperationKind.MOVE) is OperationKind.MOVE
    assert pickle.loads(pickle.dumps(Decision.REQUIRE_APPROVAL)) is Decision.REQUIRE_APPROVAL


def test_choice_members_behave_as_their_values() -> None:
    assert OperationKind.READ == "read"
    assert {"read": 1}[OperationKind.READ] == 1
    assert f"{OperationKind.READ}" == "read"
    assert str(Decision.DENY) == "2"
    assert Decision.ALLOW < Decision.REQUIRE_APPROVAL < Decision.DENY
    assert max(Decision.ALLOW, Decision.DENY) is Decision.DENY
    assert Decision.DENY.value == 2
    assert type(Decision.DENY.value) is int
    assert OperationKind.READ.name == "READ"
    assert repr(OperationKind.READ) == "<OperationKind.READ: 'read'>"


def test_choice_class_lists_members_in_order() -> None:
    assert list(Decision) == [Decision.ALLOW, Decision.REQUIRE_APPROVAL, Decision.DENY]
    assert len(OperationKind) == len(list(OperationKind))
    assert OperationKind.DELETE in OperationKind
    assert "delete" not in OperationKind


def test_invalid_choice_value_raises() -> None:
    with pytest.raises(ValueError, match="'erase' is not a valid OperationKind"):
        OperationKind("erase")
    with pytest.raises(KeyError):
        Decision["MAYBE"]
    with pytest.raises(AttributeError):
        OperationKind.READ = "other"
