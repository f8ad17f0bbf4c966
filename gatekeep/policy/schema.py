"""The JSON Schema of the policy format, built from the loader's own key sets.

``gatekeep schema`` prints it; ``policies/policy.schema.json`` is its committed copy
(a test regenerates and compares), which editors use through the
``# yaml-language-server: $schema=...`` line of a policy. The loader stays the
authority: the schema describes the shapes it accepts, so an editor can complete
keys and flag typos before ``gatekeep lint`` runs.
"""

from __future__ import annotations

import json
from typing import Any

from gatekeep.policy.keys import (
    DECISIONS,
    MODES,
    PATTERN_KEYS,
    RATE_KEYS,
    RULE_KEYS,
    TEST_KEYS,
    TOP_KEYS,
    WHEN_KEYS,
)
from gatekeep.shell.effects import VOCABULARY

_STRING = {"type": "string", "minLength": 1}


def _one_or_many(item: dict[str, Any], description: str, least: int = 0) -> dict[str, Any]:
    """The loader's ``items()``: one value, or a list of them."""
    many: dict[str, Any] = {"type": "array", "items": item}
    if least:
        many["minItems"] = least
    return {"description": description, "anyOf": [item, many]}


def _closed(properties: dict[str, Any], keys: frozenset[str], **extra: Any) -> dict[str, Any]:
    """An object with exactly the loader's keys (unknown keys are errors there too)."""
    if set(properties) != keys:
        raise AssertionError(f"schema and loader disagree: {sorted(set(properties) ^ keys)}")
    return {"type": "object", "additionalProperties": False,
            "properties": dict(sorted(properties.items())), **extra}


def _test() -> dict[str, Any]:
    return _closed({
        "cmd": {**_STRING, "description": "A shell command, parsed as gatekeep run -c would."},
        "expect": {"enum": list(DECISIONS), "description": "The decision it must get."},
        "cwd": {**_STRING, "description": "Working directory: relative to the test "
                "directory, or absolute, or under ~."},
        "at": {**_STRING, "description": "The moment guardrails are judged at (ISO 8601, "
               "such as 2026-12-02T03:00:00+01:00); without it they are not applied."},
        "count": {"type": "integer", "minimum": 0, "description": "Runs every rate counter "
                  "is taken to hold (needs at)."},
    }, TEST_KEYS, required=["cmd", "expect"])


def _pattern() -> dict[str, Any]:
    mapping = _closed({
        "program": {**_STRING, "description": "A program name (a glob), or a path."},
        "args": _one_or_many(_STRING, "Words that must be a prefix of the positional words."),
        "flags": _one_or_many({"type": "string", "pattern": "^-"},
                              "The command needs any one of these flags."),
        "without": _one_or_many({"type": "string", "pattern": "^-"},
                                "The command has none of these flags."),
        "effects": _one_or_many({"enum": list(VOCABULARY)},
                                "What the command does, by program knowledge: it has "
                                "all of these effects."),
    }, PATTERN_KEYS, required=["program"])
    words = {**_STRING, "description": "Shell words: the program, then a prefix of its "
             "positional words; flags match anywhere, in any spelling."}
    return {"anyOf": [words, mapping]}


def _rule() -> dict[str, Any]:
    patterns = {"$ref": "#/definitions/patterns"}
    return _closed({
        "id": {**_STRING, "description": "Unique in the policy and everything it extends."},
        "allow": patterns, "ask": patterns, "deny": patterns,
        "reason": {**_STRING, "description": "Why: shown to the agent and the operator."},
        "suggest": {**_STRING, "description": "What to do instead."},
        "overrides": _one_or_many(_STRING, "Inherited deny rules (by id) and checks "
                                  "(protect.write, path:outside, ...) this rule lifts where "
                                  "it matches; only an extending policy's rule lifts anything."),
        "tests": {"type": "array", "items": {"$ref": "#/definitions/test"},
                  "description": "Examples that gatekeep test runs."},
        **_guardrails(),
        "when": {"$ref": "#/definitions/when"},
        "rate": _rate(),
    }, RULE_KEYS, required=["id"],
        oneOf=[{"required": [d]} for d in DECISIONS])


def _when() -> dict[str, Any]:
    hours = {"type": "string", "pattern": _HOURS,
             "description": "HH:MM-HH:MM; an end before the start runs across midnight."}
    dates = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}(\.\.\d{4}-\d{2}-\d{2})?$",
             "description": "A date, or an inclusive range 2026-12-20..2027-01-06."}
    return _closed({
        "days": _one_or_many({"type": "string", "pattern": _DAYS},
                             "Weekdays: mon-fri, sat, or a list of them."),
        "hours": _one_or_many(hours, "Times of day the window is open."),
        "tz": {**_STRING, "description": "An IANA time zone (Europe/Berlin); default: the "
               "local zone."},
        "exclude": _one_or_many(dates, "Dates the window stays shut (a release freeze)."),
    }, WHEN_KEYS, minProperties=1, description="A time window: outside it, an allow is asked.")


def _rate() -> dict[str, Any]:
    limit = {"type": "string", "pattern": r"^\d+\s*/\s*(minute|hour|day)$",
             "description": "Runs per minute, hour or day, such as 3/hour."}
    mapping = _closed({
        "limit": limit,
        "per": {"enum": ["rule", "command"], "description": "Count per rule, or per "
                "distinct command text."},
        "over": {"enum": ["ask", "deny"], "description": "What a run past the limit gets."},
    }, RATE_KEYS, required=["limit"])
    return {"description": "Runs allowed per window, counted across gatekeep processes.",
            "anyOf": [limit, mapping]}


_DAYS = r"^\s*(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?\s*" \
    r"(,\s*(mon|tue|wed|thu|fri|sat|sun)(-(mon|tue|wed|thu|fri|sat|sun))?\s*)*$"
_HOURS = r"^[0-2]?\d:[0-5]\d\s*-\s*[0-2]?\d:[0-5]\d$"


def _top() -> dict[str, Any]:
    choice = {"enum": ["ask", "deny"]}
    return {
        "gatekeep": {"const": 1, "description": "The policy format version."},
        "extends": _one_or_many(_STRING, "Policies to start from: builtin:NAME, or paths "
                                "relative to this file (inside its own project, unless this "
                                "is the operator's policy)."),
        "default": {**choice, "description": "The decision for a part no rule matches."},
        "unparseable": {**choice, "description": "The decision for a command gatekeep "
                        "cannot fully analyse."},
        "prompt": {"type": "object", "additionalProperties": False, "properties": {
            "timeout": {"type": "number", "minimum": 1, "description": "Seconds."},
            "no_tty": {"enum": ["deny", "queue"]},
            "via": {"enum": ["agent", "queue", "tty"], "description": "Where a hook asks the "
                    "operator: the agent's own approval, the approvals queue, or the terminal."},
        }},
        "protect": {"type": "object", "additionalProperties": False, "properties": {
            "write": _one_or_many(_STRING, "Paths (globs) that commands may not write."),
            "read": _one_or_many(_STRING, "Paths (globs) whose reading is asked about."),
        }},
        "rules": {"type": "array", "items": {"$ref": "#/definitions/rule"}},
        "tests": {"type": "array", "items": {"$ref": "#/definitions/test"},
                  "description": "Whole-policy examples that gatekeep test runs."},
        "when": {"$ref": "#/definitions/when"},
        "mode": {"enum": list(MODES), "description": "observe (operator policy only): run "
                 "what would be asked, logged; deny still blocks."},
        **_boundary(),
        "packages": {"$ref": "#/definitions/packages"},
        "audit": _audit(),
    }


def _guardrails() -> dict[str, Any]:
    """A rule's guardrails of values, sources and limits (gatekeep.policy.values)."""
    return {
        "bounds": {"type": "object", "minProperties": 1, "description":
                   "Numeric ranges (\"1..10\", \"..200\", \"4..\") for options (--replicas, "
                   "-j), key=value operands and settings in SQL or config text (a bare name "
                   "such as max_connections); outside them, or unreadable: ask.",
                   "propertyNames": {"pattern": "^-{0,2}[A-Za-z0-9][A-Za-z0-9_.-]*$"},
                   "additionalProperties": {"type": "string", "pattern":
                                            "^\\s*(-?[0-9]+(\\.[0-9]+)?)?\\s*\\.\\.\\s*"
                                            "(-?[0-9]+(\\.[0-9]+)?)?\\s*$"}},
        "packages": {"$ref": "#/definitions/packages"},
        "limits": {**_limits(), "description": "Limits of what this rule allows, in place of "
                   "the policy's (several deciding rules: the tightest)."},
    }


def _packages() -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "description":
            "Package installs: by name from the default registry pass; from a git URL, a URL, "
            "another registry or a path outside the tree: sources.",
            "properties": {
                "sources": {"enum": ["ask", "deny"], "description":
                            "The decision for an install from anywhere but the registry."},
                "names": _one_or_many({"type": "string", "pattern":
                                       "^(@[A-Za-z0-9*][A-Za-z0-9._*-]*/)?"
                                       "[A-Za-z0-9*][A-Za-z0-9._*~/-]*$"},
                                      "Only these names (globs; scopes such as @myorg/*, Go "
                                      "module paths) pass; others are asked."),
            }}


def _audit() -> dict[str, Any]:
    from gatekeep.runtime.sinks import FACILITIES

    size = {"anyOf": [{"type": "number", "minimum": 0},
                      {"type": "string", "pattern": "^[0-9]+[KMGTkmgt]?$"}]}
    return {"type": "object", "additionalProperties": False, "description":
            "The audit log (operator policy only, except redact): rotation, syslog or "
            "journald, more redaction patterns.", "properties": {
                "rotate": {**size, "description": "Rotate audit.jsonl past this size; 0: never."},
                "syslog": {"type": "object", "additionalProperties": False,
                           "required": ["address"], "properties": {
                               "address": {**_STRING, "description": "udp://HOST:PORT, "
                                           "tcp://HOST:PORT, or a socket path (/dev/log)."},
                               "facility": {"enum": list(FACILITIES)}}},
                "journald": {"anyOf": [{"type": "boolean"}, {
                    "type": "object", "additionalProperties": False,
                    "properties": {"socket": {"type": "string", "pattern": "^/"}}}]},
                "redact": {"type": "array", "items": {
                    "type": "object", "additionalProperties": False,
                    "required": ["id", "pattern"], "properties": {
                        "id": _STRING, "pattern": {**_STRING, "description":
                                                   "A regular expression; a group named "
                                                   "secret limits what is replaced."}}}},
            }}


def _boundary() -> dict[str, Any]:
    return {
        "sandbox": {"enum": ["required", "preferred", "off", False], "description":
                    "The boundary of what runs without approval (operator policy only): "
                    "required, preferred (box where this machine can) or off."},
        "sandbox_paths": {"type": "object", "additionalProperties": False, "properties": {
            "writable": _one_or_many({"type": "string", "pattern": "^(/|~/)"},
                                     "Download caches shared with unboxed runs: read-only "
                                     "in the box, writable only in a box that has the "
                                     "network (a download); only existing paths."),
            "owners": {"type": "object", "description":
                       "Program -> the shared caches (of writable) a download by it writes; "
                       "a cache no program owns is written by any download.",
                       "additionalProperties": _one_or_many(
                           {"type": "string", "pattern": "^(/|~/)"}, "Caches it owns.")},
            "separate": _one_or_many({"type": "string", "pattern": "^~/[^*?[]+$"},
                                     "Build caches the box keeps apart: a box writes its "
                                     "own copy, which unboxed runs never read."),
            "not_scanned": _one_or_many(_STRING, "Directory names the working tree scan "
                                        "for protected files skips."),
            "readable": _one_or_many({"type": "string", "pattern": "^~(/|$)"},
                                     "What of the home directory the box shows, read-only "
                                     "(toolchains, their settings); ~ shows all of it."),
            "without_secrets": _one_or_many(
                {"type": "string", "pattern": "^~/[^*?[]+$"},
                "Settings files of the home the box shows without their credential lines "
                "(npm's ini form: ~/.npmrc); a box with the network for a program that "
                "sends them is shown the file itself."),
            "bwrap": _one_or_many({"type": "string", "pattern": "^/"},
                                  "Where bubblewrap may be (root-owned; never PATH)."),
        }},
        "limits": _limits(),
    }


def _limits() -> dict[str, Any]:
    size = {"anyOf": [{"type": "number", "minimum": 0},
                      {"type": "string", "pattern": "^[0-9]+[KMGTkmgt]?$"}]}
    seconds = {"type": "number", "minimum": 0}
    return {"type": "object", "additionalProperties": False, "properties": {
            "timeout": {**seconds, "description": "Wall-clock seconds; 0: none."},
            "cpu": {**seconds, "description": "CPU seconds per process; 0: none."},
            "memory": {**size, "description": "Address space per process (bytes, or "
                       "with K, M, G, T); 0: none."},
            "output": {**size, "description": "Largest file a process may write; 0: none."},
            "processes": {"type": "integer", "minimum": 0, "description":
                          "Processes of this user (RLIMIT_NPROC counts all of them); 0: none."},
    }}


def policy_schema() -> dict[str, Any]:
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "gatekeep policy",
        "description": "A gatekeep policy, format version 1.",
        **_closed(_top(), TOP_KEYS, required=["gatekeep"]),
        "definitions": {
            "rule": _rule(),
            "patterns": _one_or_many(_pattern(), "Patterns: any one of them matching is enough.",
                                     least=1),
            "test": _test(),
            "packages": _packages(),
            "when": _when(),
        },
    }


def schema_text() -> str:
    return json.dumps(policy_schema(), indent=2, ensure_ascii=False) + "\n"
