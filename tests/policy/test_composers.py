"""libyaml's composer against PyYAML's: the same trees, the same policies, the same errors.

gatekeep composes YAML with libyaml (about ten times faster) where it gives the tree
PyYAML's own composer gives, and with PyYAML's everywhere else (``yamlsource.compose``).
The composer decides what a policy says, so these hold, for every YAML file the project
ships and for generated documents, that what gatekeep composes is PyYAML's tree (tags,
values, styles, start lines and columns, which nodes an alias shares) or PyYAML's error,
and that a policy loads to the same ``Policy`` (or the same errors) either way.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gatekeep.errors import PolicyError
from gatekeep.policy import yamlsource
from gatekeep.policy.cases import load_cases
from gatekeep.policy.knowledge import load_knowledge
from gatekeep.policy.load import check_policy, load_knowledge_default, load_policy
from gatekeep.policy.redact import load_patterns
from gatekeep.shell.knowledge import Knowledge

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted({*ROOT.glob("policies/*.yaml"), *ROOT.glob("tests/**/*.yaml"),
                  *ROOT.glob("examples/**/*.yaml"), ROOT / ".pre-commit-hooks.yaml"})
DOCS = sorted({*ROOT.glob("docs/*.md"), ROOT / "README.md"})
CI = settings(max_examples=300, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
# The slow run's 5,000 examples are the same on every run (CI lands or fails on the code,
# not on the draw); GATEKEEP_EXPLORE=1 draws new ones, which is how the last two parting
# documents above were found.
SLOW = settings(max_examples=5_000, deadline=None, database=None,
                derandomize=not os.environ.get("GATEKEEP_EXPLORE"),
                suppress_health_check=list(HealthCheck))

Tree = object


def tree(node: yaml.Node, seen: dict[int, int] | None = None) -> Tree:
    """What gatekeep can read of a node: kind, tag, value, style, start mark, and
    which earlier node an alias is (by order of first appearance)."""
    seen = {} if seen is None else seen
    if id(node) in seen:
        return ("alias", seen[id(node)])
    seen[id(node)] = len(seen)
    head = (type(node).__name__, node.tag, node.start_mark.line, node.start_mark.column)
    if isinstance(node, yaml.ScalarNode):
        return (*head, node.value, node.style or None)  # libyaml says '' for plain, PyYAML None
    if isinstance(node, yaml.SequenceNode):
        return (*head, [tree(item, seen) for item in node.value])
    return (*head, [(tree(key, seen), tree(value, seen)) for key, value in node.value])


def composed(text: str, loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader]) -> Tree:
    """The tree one composer gives, or the kind of its failure."""
    try:
        node = yaml.compose(text, Loader=loader)
    except Exception as error:  # which failure is part of the result
        return ("failed", type(error).__name__ if loader is yaml.SafeLoader else "")
    return None if node is None else tree(node)


def gatekeeps(text: str) -> Tree:
    try:
        return tree(yamlsource.compose(text, "f.yaml").node)
    except PolicyError as error:
        return str(error)
    except Exception as error:  # PyYAML raises ValueError for "\U0a001000"
        return ("raised", type(error).__name__)


def reference(text: str) -> Tree:
    """PyYAML's composer through gatekeep's error handling: what gatekeep said before."""
    try:
        node = yamlsource._composed_exact(text, "f.yaml")
    except PolicyError as error:
        return str(error)
    except Exception as error:  # as in gatekeeps()
        return ("raised", type(error).__name__)
    return "f.yaml:1:1: the file is empty" if node is None else tree(node)


@pytest.fixture
def exact(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if PyYAML had been built without libyaml."""
    monkeypatch.setattr(yamlsource, "_FAST", None)


def docs_yaml() -> Iterator[tuple[str, str]]:
    for path in DOCS:
        blocks = re.findall(r"```ya?ml\n(.*?)```", path.read_text(encoding="utf-8"), re.S)
        for number, block in enumerate(blocks):
            yield f"{path.name}#{number}", block


# -- every YAML file the project ships -----------------------------------------

@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_shipped_files_compose_to_the_same_tree(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert composed(text, yaml.CSafeLoader) == composed(text, yaml.SafeLoader)
    assert gatekeeps(text) == reference(text)


def test_shipped_policies_take_the_fast_composer() -> None:
    """Else the speed is lost without a sound: the shipped files are libyaml's to compose."""
    for name in ("default", "programs", "production", "redact"):
        text = (ROOT / "policies" / f"{name}.yaml").read_text(encoding="utf-8")
        assert yamlsource._composed_fast(text) is not None, name


@pytest.mark.parametrize(("name", "block"), list(docs_yaml()), ids=lambda v: str(v)[:30])
def test_yaml_in_the_docs_composes_to_the_same_tree(name: str, block: str) -> None:
    assert gatekeeps(block) == reference(block), name


def loaded_both_ways(load: object, monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    assert callable(load)
    fast = load()
    monkeypatch.setattr(yamlsource, "_FAST", None)
    return fast, load()


@pytest.mark.parametrize("name", ["default", "production"])
def test_builtin_policies_load_the_same_either_way(name: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    fast, exact = loaded_both_ways(lambda: load_policy(f"builtin:{name}",
                                                       load_knowledge_default()), monkeypatch)
    assert fast == exact
    assert fast != load_policy("builtin:production" if name == "default" else "builtin:default",
                               load_knowledge_default())  # the comparison can fail


def test_program_knowledge_and_redaction_load_the_same_either_way(
        monkeypatch: pytest.MonkeyPatch) -> None:
    fast, exact = loaded_both_ways(lambda: (load_knowledge(ROOT / "policies" / "programs.yaml"),
                                            load_patterns(ROOT / "policies" / "redact.yaml")),
                                   monkeypatch)
    assert fast == exact


def test_case_files_load_the_same_either_way(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cases.yaml"
    path.write_text("cases:\n  - {cmd: ls, expect: allow}\n  - cmd: &c git push\n"
                    "    expect: ask\n    cwd: sub\n  - {cmd: *c, expect: ask}\n")
    fast, exact = loaded_both_ways(lambda: load_cases(path), monkeypatch)
    assert fast == exact


# -- where the two composers part ways, gatekeep says what PyYAML says -------------

# Each of these is a document libyaml composes and PyYAML refuses or reads otherwise.
PARTING = {
    "tab after a value": "gatekeep: 1\ndefault: ask\t\n",
    "tab in a block scalar header": "gatekeep: 1\nrules:\n  - id: a\n    reason: |\t\n"
                                    "      x\n    allow: ls\n",
    "byte-order mark at a line start": "gatekeep: 1\ndefault: deny\n\ufeff",
    "byte-order marks": "\ufeff\ufeff\ufeff",
    "comment glued to a block scalar header": "gatekeep: 1\nprompt: >#x\n",
    "empty value with the ! tag": "gatekeep: 1\ndefault: ! \n",
    "empty value in a flow mapping": "gatekeep: 1\nrules: [{id: a, allow: ls, reason: }]\n",
    "empty explicit key at the end": "gatekeep: 1\n?",
    "empty value of an explicit key at the end": "gatekeep: 1\n? default",
    "empty explicit key in a flow mapping": "gatekeep: 1\nprompt: {? }\n",
    "empty document at the end": "---",
    "? in a plain scalar in a flow mapping": "gatekeep: 1\nprompt: {a? '' : null}\n",
    "? in a plain scalar in a flow list": "gatekeep: 1\nrules: [{id: a?b, allow: ls}]\n",
    "? in a flow list in a block": "gatekeep: 1\nrules:\n  - id: a\n    allow: [ls a?]\n",
    "a tag with a colon in its handle": "- [0, !12:30:45!null null]\n",
    "a tag of its own on a value": "gatekeep: 1\ndefault: !12:30:45!x ask\n",
}


def test_the_parting_documents_do_part() -> None:
    """The cases below test something: libyaml alone would compose each differently."""
    for name, text in PARTING.items():
        c_tree = composed(text, yaml.CSafeLoader)
        assert not (isinstance(c_tree, tuple) and c_tree[0] == "failed"), name
        assert c_tree != composed(text, yaml.SafeLoader), name


@pytest.mark.parametrize("text", list(PARTING.values()), ids=list(PARTING))
def test_where_the_composers_part_gatekeep_composes_as_pyyaml(text: str) -> None:
    assert gatekeeps(text) == reference(text)


@pytest.mark.parametrize("text", list(PARTING.values()), ids=list(PARTING))
def test_where_the_composers_part_a_policy_says_what_it_said(
        text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        knowledge: Knowledge) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    fast, exact = loaded_both_ways(lambda: outcome(path, knowledge), monkeypatch)
    assert fast == exact


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge_default()


def outcome(path: Path, knowledge: Knowledge) -> object:
    policy, errors = check_policy(path, knowledge)
    return policy, [str(error) for error in errors]


def nested(depth: int) -> str:
    return "gatekeep: 1\nrules: " + "[" * depth + "]" * depth + "\n"


def test_a_deep_nesting_fails_as_pyyaml_fails() -> None:
    """libyaml composes 900 levels; PyYAML's recursion does not, and gatekeep never did."""
    text = nested(900)
    assert yaml.compose(text, Loader=yaml.CSafeLoader) is not None
    with pytest.raises(RecursionError):
        yaml.compose(text, Loader=yaml.SafeLoader)
    with pytest.raises(RecursionError):
        yamlsource.compose(text, "f.yaml")


def test_a_nesting_pyyaml_composes_is_the_same_tree() -> None:
    for depth in (yamlsource._DEEP - 2, yamlsource._DEEP + 1, 200):
        assert gatekeeps(nested(depth)) == reference(nested(depth))


def test_aliases_share_the_node_they_name() -> None:
    text = "a: &x {b: [1, &y two]}\nc: *x\nd: [*y, *x]\n"
    root = yamlsource.compose(text, "f.yaml").node
    assert yamlsource._composed_fast(text) is not None
    (_, a), (_, c), (_, d) = root.value
    assert c is a and d.value[1] is a and d.value[0] is a.value[0][1].value[1]
    assert gatekeeps(text) == reference(text)


def test_a_billion_laughs_is_walked_once_per_node() -> None:
    """Aliases of aliases expand to 2**40 nodes; the fast path's check walks 80."""
    lines = ["l0: &l0 [x, x]"] + [f"l{n}: &l{n} [*l{n - 1}, *l{n - 1}]" for n in range(1, 40)]
    text = "\n".join(lines) + "\n"
    node = yamlsource._composed_fast(text)
    assert node is not None
    assert tree(node) == tree(yaml.compose(text, Loader=yaml.SafeLoader))


@pytest.mark.parametrize(("text", "error"), [
    pytest.param("gatekeep: 1\nrules:\n  - id: a\n    allow: ls\n    allow: cat\n",
                 "5:5: rules[0].allow: duplicate key", id="duplicate-key"),
    # gatekeep reads nodes, not PyYAML's constructed data: ``<<`` merges nothing
    pytest.param("gatekeep: 1\ndefault: &d ask\n<<: {default: deny}\n",
                 "3:1: keys must be plain strings", id="merge-key"),
])
def test_a_refused_document_is_refused_the_same_way(
        tmp_path: Path, knowledge: Knowledge, monkeypatch: pytest.MonkeyPatch, text: str,
        error: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    assert yamlsource._composed_fast(path.read_text()) is not None
    fast, exact = loaded_both_ways(lambda: outcome(path, knowledge), monkeypatch)
    assert fast == exact == (None, [f"{path}:{error}"])


def test_a_composer_failure_of_any_kind_is_pyyamls_to_word() -> None:
    """A lone surrogate makes libyaml's reader raise UnicodeEncodeError, not a YAML error."""
    text = "gatekeep: 1\ndefault: \ud800\n"
    assert composed(text, yaml.CSafeLoader) == ("failed", "")
    with pytest.raises(PolicyError) as caught:
        yamlsource.compose(text, "f.yaml")
    assert str(caught.value) == reference(text)


def test_without_libyaml_gatekeep_composes_with_pyyaml(exact: None) -> None:
    text = (ROOT / "policies" / "production.yaml").read_text(encoding="utf-8")
    assert yamlsource._composed_fast(text) is None
    assert gatekeeps(text) == reference(text)


# -- generated documents -----------------------------------------------------------

PIECES = [
    "a", "b", "key", ": ", ":", "- ", "-", "\n", "  ", " ", "\t", "'", '"', "{", "}", "[", "]",
    ", ", "? ", "&x ", "*x", "&y ", "*y", "<<: ", "<<: *x\n", "!!str ", "!!int ", "!!map ",
    "!!seq ", "!!binary ", "! ", "!", "!local ", "!e!t ", "!<tag:x,2000:y> ", "%YAML 1.1\n",
    "%YAML 1.2\n", "%YAML 2.0\n", "%TAG !e! tag:e,2000:\n", "%FOO bar\n", "---", "--- ", "...",
    "|", ">", "|-", ">+", "|2", ">1-", "#c", " #c", "1", "-1", "0o17", "0x1F", "1_000",
    "1e3", "1.5", ".inf", ".nan", "yes", "No", "on", "~", "null", "2001-12-14", "12:30:45",
    "=", "é", "漢字", "\U0001f600", "\u2028", "\x85", "\ufeff", "\r", "\r\n", "\\", "\\n",
    "\\x41", "\\u00e9", "\\U0001F600", "\\/", "\\ ", "\\_", "\\N", "\\e", "\\0", "\\q",
    "gatekeep: 1\n", "rules:\n", "  - id: r\n", "    allow: ls\n", "    deny: [git, push]\n",
    "default: deny\n", "tests: [{cmd: ls, expect: allow}]\n", "x" * 1030,
]
pieces = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)),
                  max_size=30).map("".join)
scalars = st.one_of(st.text(max_size=12), st.integers(), st.floats(), st.booleans(),
                    st.none(), st.sampled_from(["yes", "~", "1e3", "0x1F", "<<", "a: b", "- x"]))
data = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.text(max_size=6), inner, max_size=4)), max_leaves=15)
dumped = st.builds(
    lambda value, style, flow, width, indent: yaml.safe_dump(
        value, default_style=style, default_flow_style=flow, width=width, indent=indent,
        allow_unicode=True, explicit_start=flow is None),
    data, st.sampled_from([None, "'", '"', "|", ">"]), st.sampled_from([None, True, False]),
    st.sampled_from([20, 80]), st.sampled_from([2, 4]))


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A dumped document with a piece put in, a line re-indented, or two joined."""
    lines = draw(dumped).split("\n")
    at = draw(st.integers(0, len(lines) - 1))
    how = draw(st.sampled_from(["insert", "indent", "dedent", "join", "repeat"]))
    if how == "insert":
        column = draw(st.integers(0, len(lines[at])))
        lines[at] = lines[at][:column] + draw(st.sampled_from(PIECES)) + lines[at][column:]
    elif how == "indent":
        lines[at] = " " * draw(st.integers(1, 3)) + lines[at]
    elif how == "dedent":
        lines[at] = lines[at].lstrip(" ")
    elif how == "join" and at + 1 < len(lines):
        lines[at:at + 2] = [lines[at] + lines[at + 1]]
    else:
        lines.insert(at, lines[at])  # a duplicate key or item
    return "\n".join(lines)


documents = st.one_of(pieces, dumped, mutated(),
                      st.lists(dumped, min_size=2, max_size=3).map("---\n".join))


def same_as_pyyaml(text: str) -> None:
    assert gatekeeps(text) == reference(text)


@CI
@example(text="? \n")
@example(text="a: 1\n\ufeffb: 2\n")
@example(text='"\\U0a0010000"\n')
@example(text='---\n"0":\n  "\\x7F": !!null |-#c\n    null\n')
@example(text="a: >2#c\n   x\n")
@given(text=documents)
def test_generated_documents_compose_as_pyyaml_composes_them(text: str) -> None:
    same_as_pyyaml(text)


@pytest.mark.slow
@SLOW
@given(text=documents)
def test_generated_documents_compose_as_pyyaml_composes_them_long(text: str) -> None:
    same_as_pyyaml(text)


POLICY_PIECES = [
    "gatekeep: 1\n", "default: deny\n", "default: ask\n", "unparseable: deny\n",
    "rules:\n", "  - id: a\n", "  - id: b\n", "    allow: ls\n", "    allow: [git, status]\n",
    "    deny: {program: rm, flags: [-r]}\n", "    reason: why\n", "    reason: \n",
    "    tests: [{cmd: ls, expect: allow}]\n", "  - &r {id: c, ask: curl}\n", "  - *r\n",
    "  - <<: *r\n", "    <<: {id: d}\n", "protect: {write: ['~/x/**']}\n",
    "prompt: {timeout: 5}\n", "\t", "\ufeff", "! ", "? ", "  ", "'", "{", "---\n", "#c\n",
    "tests:\n  - cmd: git push\n    expect: ask\n", "    ask: !!str 'git push'\n",
]


@st.composite
def policy_texts(draw: st.DrawFn) -> str:
    return "gatekeep: 1\n" + "".join(draw(st.lists(st.sampled_from(POLICY_PIECES),
                                                   max_size=10)))


@pytest.fixture(scope="module")
def policy_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("composers") / "policy.yaml"


def same_policy(text: str, path: Path, knowledge: Knowledge) -> None:
    path.write_text(text, encoding="utf-8")
    fast = outcome(path, knowledge)
    saved, yamlsource._FAST = yamlsource._FAST, None
    try:
        exact = outcome(path, knowledge)
    finally:
        yamlsource._FAST = saved
    assert fast == exact


@CI
@given(text=policy_texts())
def test_generated_policies_load_the_same_either_way(text: str, policy_file: Path,
                                                     knowledge: Knowledge) -> None:
    same_policy(text, policy_file, knowledge)


@pytest.mark.slow
@SLOW
@given(text=policy_texts())
def test_generated_policies_load_the_same_either_way_long(text: str, policy_file: Path,
                                                          knowledge: Knowledge) -> None:
    same_policy(text, policy_file, knowledge)

