"""The compiled policy's decoder reads the records' field types without ``typing``: the
same types ``typing.get_type_hints`` gives, for every record a policy holds."""

from __future__ import annotations

import typing

from gatekeep.policy import plain
from gatekeep.policy.load import load_policy
from gatekeep.policy.model import Policy


def records(annotation: object, seen: list[type]) -> list[type]:
    """Every NamedTuple class reachable from ``annotation``'s fields, once each."""
    if isinstance(annotation, type) and issubclass(annotation, tuple) \
            and hasattr(annotation, "_fields") and annotation not in seen:
        seen.append(annotation)
        for field in typing.get_type_hints(annotation).values():
            records(field, seen)
    for argument in typing.get_args(annotation):
        records(argument, seen)
    return seen


def test_every_record_reads_as_typing_reads_it():
    found = records(Policy, [])
    assert len(found) >= 15  # Policy, Rule, Pattern, Glob, Knowledge, ProgramSpec, ...
    for cls in found:
        assert plain._hints(cls) == typing.get_type_hints(cls), cls.__name__


def test_a_policy_encoded_and_decoded_is_the_policy():
    policy = load_policy("builtin:default")
    decoded = plain.decode_policy(plain.encode(policy))
    known = decoded.knowledge
    assert decoded._replace(knowledge=policy.knowledge) == policy
    assert known._replace(programs=policy.knowledge.programs,
                          effects=policy.knowledge.effects) == policy.knowledge
    assert {name: known.programs[name] for name in known.programs} == dict(
        policy.knowledge.programs)
    assert {name: known.effects[name] for name in known.effects} == dict(
        policy.knowledge.effects)
