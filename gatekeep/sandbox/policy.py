"""The spec of a run from the policies that judged it, and what an approval lifts.

The operator's policy (the first) alone names the mode's floor, the writable caches, what
of the home directory the box shows and where bwrap lives; a project policy or
``--policy`` can only tighten: a stricter mode, smaller limits, more protected paths.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence

from gatekeep.policy.model import Policy
from gatekeep.policy.values import rule_limits
from gatekeep.runtime.patterns import on_use
from gatekeep.sandbox.spec import MODES, Limits, Spec
from gatekeep.shell.effects import INTERPRETS, NAMES_WORDS, READS_NAMED, SETS, UNSEEN_READS
from gatekeep.shell.knowledge import Knowledge

TYPE_CHECKING = False
if TYPE_CHECKING:  # types only: doctor's spec_for(policies) does without the engine's import
    from gatekeep.core.engine import Decision
    from gatekeep.shell.model import ParsedCommand

_NETWORK = frozenset({"network", "network-loopback"})
# What a part beside a networked one may do and still share its box: the network is the
# whole box's, so a part that runs the tree's code (`npm ci && npm test`, `curl
# http://127.0.0.1:3000/; python3 x.py`) would get it too, and the agent writes that code.
_BESIDE = frozenset({"reads", "writes-tree"})
_READS = frozenset({"reads", UNSEEN_READS})
_UNSEEN = frozenset({READS_NAMED, UNSEEN_READS})
_TREE_CODE = "runs-tree-code"
# After a failed run whose box went without its networked programs' secret variables
# because another part reads files (file_readers)
WITHHELD = ("the networked programs went without their secret variables "
            "(environment.credentials), since another part reads files ({}): every "
            "process in a box can read them; run the networked part as a command of its own")
_MOVES: tuple[str, tuple[str, ...]] = ("cd", ())  # `cd web && npm ci`: it writes nothing
# what writes git's refs and objects only, never a file of the working tree
_REFS_ONLY = ("git fetch", "git remote update")
_SETS = (SETS,)  # `export CI=1 && npm ci`: plain variables alone (engine.sets_plain)
# Where bash may set a variable no assignment word shows, or evaluate a variable's value as
# arithmetic, which may assign (red teams 43 and 45): `((...))`, `$[...]`, `let`, a loop's
# variable, `[[ ... -eq ... ]]` and `[[ -v ... ]]`, a subscript assigned, expanded or given
# to a builtin that takes names, `${NAME:=v}` and substrings, a `{NAME}>` redirect, which
# sets NAME to a descriptor, and an array's `NAME=(...)`, whose `[subscripts]=` it
# evaluates (red teams 47, 48). Reading them exactly is the parser's; a command with any of
# them, quoted or not, gets no network (`HOME=1` made git read `1/.gitconfig`).
_EVALUATES = on_use(
    r"\(\(|\$\[|(?<![\w-])let\b"
    r"|(?<![\w-])(?:for|select)[\s\\]+\w+[\s\\]*(?:\bin\b|\bdo\b|;|$)"
    r"|\[\[.*?(?:-(?:eq|ne|lt|le|gt|ge|v|R)\b|\w\[)"
    r"|\w\[[^]\s]*\]\+?=|\$\{[^}]*(?:[\[=]|:[^-+?=])"
    r"|(?<![\w-])(?:read|printf|unset|declare|typeset|local|export|readonly|mapfile"
    r"|readarray|getopts|wait|test)\b[^;&|\n]*\w\["
    r"|\{[A-Za-z_]\w*(?:\[|\}[\s\\]*[<>])|\w\+?=\(", re.DOTALL | re.MULTILINE)


def spec_for(policies: Sequence[Policy], decision: Decision | None = None) -> Spec:
    """The boundary of an allowed command; with the ``decision``, the limits of the rules
    that allowed it, and the network when ``boxed_network`` gives it one."""
    operator = policies[0]
    limits = decided_limits(operator, decision)
    for other in policies[1:]:
        limits = limits.tighter(decided_limits(other, decision))
    spec = Spec(
        mode=max((p.sandbox for p in policies), key=MODES.index),
        protect_write=_protected(policies, "protect_write"),
        protect_read=_protected(policies, "protect_read"),
        limits=limits, bwrap=operator.sandbox_bwrap, not_scanned=operator.sandbox_not_scanned,
        readable=operator.sandbox_readable, separate=operator.sandbox_separate,
        without_secrets=operator.sandbox_without_secrets,
        secrets=_union(part for p in policies for part in p.knowledge.secrets),
    )
    if decision is not None:
        failed, always = box_notes(operator.knowledge, decision)
        spec = spec._replace(notes_failed=failed, notes_always=always)
    if decision is None or not boxed_network(decision, operator.knowledge):
        return with_caches(spec, operator, network=False)
    downloaders = [_owner(s.described) for s in decision.segments
                   if s.described is not None and "network" in s.described[1]]
    approved = any(v.rule.startswith("approval:") for s in decision.segments
                   for v in s.verdicts)  # as the run the operator approved: with them all
    kept = credentials_for(operator, [
        _owner(s.described) for s in decision.segments
        if s.described is not None and _NETWORK.intersection(s.described[1])])
    readers = [] if approved else file_readers(decision)
    if readers and kept:  # said after a failed run: the token it needed may be one
        withheld = WITHHELD.format(_shortened(readers[0]))
        spec = spec._replace(notes_failed=(*spec.notes_failed, withheld))
    spec = spec._replace(credentials=("*",) if approved else () if readers else kept,
                         steady_path=True)  # boxed_network: no part runs the tree's code
    return with_caches(spec, operator, True, downloaders
                       if downloads_only(decision, operator.knowledge) else ())


def file_readers(decision: Decision) -> list[str]:
    """The parts that make a networked box go without the secret variables its networked
    programs send: one beside them that opens files by their paths (``_reads_files``), a
    networked one given a file to read (``READS_NAMED``, or ``UNSEEN_READS``: ``curl -d
    @"$(cat f)"``, whose own environment holds them), and, beside git writing the tree, a
    git part given words that may name files (``NAMES_WORDS``); and one that runs a language
    of its own or is given a variable that is not plain (``INTERPRETS``: `sed`, `awk`, `jq`,
    `LESSKEYIN=ks less`), whose checks red teams 56 to 58 found ways past.

    Every process in a box can read every other's environment (``/proc/PID/environ``,
    ``/proc/PID/mem``), and a file read is a path the run may lead anywhere: through a link
    the tree held or a part made (``git apply``), in any spelling (``/dev//stdin/environ``).
    Red teams 51 to 54 each found another way from such a read to the token; without it in
    the box, none leads to one."""
    links = any(_makes_links(s.described) for s in decision.segments)
    return [s.text for s in decision.segments if s.described is not None and (
        (_reads_files(s.described) and (not _NETWORK.intersection(s.described[1])
                                        or bool(_UNSEEN.intersection(s.described[1]))))
        or (links and NAMES_WORDS in s.described[1]
            and not _NETWORK.intersection(s.described[1])))]


def _makes_links(described: tuple[str, tuple[str, ...]] | None) -> bool:
    """Whether a part is git writing the working tree (`git apply`, `git pull`, `git stash`),
    which may check out a link: a git part beside it given words that may name files it
    reads (``NAMES_WORDS``: `git notes add -F e`) may read through one (red team 54)."""
    return described is not None and _program(described) == "git" \
        and "writes-tree" in described[1] and described[0] not in _REFS_ONLY


def _shortened(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def box_notes(knowledge: Knowledge, decision: Decision
              ) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What the parts' programs go without in the box (``in_the_box``): the notes said
    after a failed run, and after every run. Program knowledge's, the operator's alone (it
    is said to the agent, in gatekeep's name)."""
    found: dict[bool, list[str]] = {False: [], True: []}
    for program in dict.fromkeys(s.described[0].split()[0] for s in decision.segments
                                 if s.described is not None and s.described[0]):
        note = knowledge.box_notes.get(os.path.basename(program))
        if note is not None:
            found[note.always].append(f"{program}: {note.text}")
    return tuple(found[False]), tuple(found[True])


def credentials_for(operator: Policy, programs: Iterable[str]) -> tuple[str, ...]:
    """The secret variables a box with the network keeps for ``programs``: program
    knowledge's ``environment.credentials`` (``GH_TOKEN`` for ``gh``), the operator's
    alone: a project's policy could name any variable there."""
    table = operator.knowledge.credentials
    return _union(name for program in programs
                  for name in table.get(os.path.basename(program), ()))


def with_caches(spec: Spec, operator: Policy, network: bool,
                downloaders: Iterable[str] = ()) -> Spec:
    """The shared download caches (``sandbox_paths.writable``) are writable only in a box
    that has the network, where they are what it downloads into; every other box shows them
    read-only. A box that runs the tree's code is offline (``boxed_network``), so that code
    cannot plant a package that the operator's next unboxed build would run unchecked.

    ``downloaders``: the programs whose downloads the box is for (none: it writes no cache);
    of the caches ``sandbox_paths.owners`` gives a program, only theirs are writable (``npm
    ci`` writes ``~/.npm``, and what its packages' install scripts run cannot write
    ``~/.m2``); a cache no program owns is written by any download."""
    caches = operator.sandbox_writable
    owners = cache_owners(operator)
    allowed = set(downloaders) if network else set()
    written = [c for c in caches if allowed and (not owners[c] or allowed & set(owners[c]))]
    downloaded = {_plain(c) for c in written}
    apart = {_plain(p) for p in spec.separate}
    kept = [c for c in caches if c not in written and _plain(c) not in apart]
    return spec._replace(
        network=network, writable=_union([*spec.writable, *written]),
        readable=_union([*(p for p in spec.readable if p not in written),
                         *(c for c in kept if c.startswith("~/"))]),
        # a download cache also kept apart (uv's, which `uv run` must write even offline):
        # the box's own copy, but where the box downloads into the shared one
        separate=tuple(p for p in spec.separate if _plain(p) not in downloaded))


def cache_owners(operator: Policy) -> dict[str, tuple[str, ...]]:
    """Each shared cache of ``sandbox_paths.writable`` and the programs ``owners`` gives it
    (none: any download writes it), matched by path, not spelling."""
    return {cache: tuple(p for p, owned in operator.sandbox_owners
                         if _plain(owned) == _plain(cache))
            for cache in operator.sandbox_writable}


def _plain(path: str) -> str:
    """A cache's path as compared with its owners': ``~/.m2/repository/`` is
    ``~/.m2/repository``, or a spelling would make an owned cache no program's."""
    return os.path.normpath(path) if path.startswith("/") else "~/" + os.path.normpath(path[2:])


def _owner(described: tuple[str, tuple[str, ...]]) -> str:
    """The program a described part is a run of: ``npm`` of ``npm ci``, ``pip`` of
    ``python3 -m pip install``."""
    words = described[0].split()
    return words[2] if len(words) > 2 and words[1] == "-m" else words[0]


def downloads_only(decision: Decision, knowledge: Knowledge | None = None) -> bool:
    """Whether every part of a networked command is a download, says it only reads, or
    moves to another directory: then its box writes the shared caches. Another part beside
    the download (``tar xf a.tar; git fetch``: what tar writes is known only when it runs)
    could write where links lead at run time, and an archive can make a link into a cache
    and then write through it; with it the box keeps the network, but the caches stay
    read-only. A box whose only network is loopback (``curl -O http://127.0.0.1:3000/x.jar``)
    downloads no package: it keeps them read-only too, or a link an earlier run left in
    the tree under the name curl saves would lead its download into a cache."""
    segments = decision.segments
    return any(s.described is not None and "network" in s.described[1] for s in segments) \
        and all(s.described is not None and _downloads_beside(_unmarked(s.described), knowledge)
                for s in segments)


def _downloads_beside(described: tuple[str, tuple[str, ...]], knowledge: Knowledge | None
                      ) -> bool:
    return bool(_NETWORK.intersection(described[1])) or described[1] == ("reads",) \
        or described == _MOVES or described[1] == _SETS or _reads_its_input(described, knowledge)


def _reads_its_input(described: tuple[str, tuple[str, ...]], knowledge: Knowledge | None
                     ) -> bool:
    """``tail -5`` after a pipe: a reader given no file, whose table's ``reads`` holds only
    for the files it names (``file_operands_from``), so it claims nothing, yet writes
    nothing either (a redirect it writes through would be a claim)."""
    name, effects = described
    table = knowledge.effects.get(name) if knowledge is not None and not effects else None
    return table is not None and table.file_operands_from > 0 and table.every == ("reads",) \
        and not table.subcommands


def network_parts(decision: Decision) -> list[str]:
    """The parts whose effects (program knowledge's, for the system program) reach the
    network: an allowed ``git fetch`` or ``npm ci`` is allowed to, and gets it in the box.
    Loopback (``curl http://127.0.0.1:3000``) needs the host's network too: a box of its
    own would have a loopback with nothing listening on it."""
    return [segment.text for segment in decision.segments
            if segment.described is not None and _NETWORK.intersection(segment.described[1])]


def boxed_network(decision: Decision, knowledge: Knowledge | None = None) -> bool:
    """Whether a command the policy allowed gets the network: a part reaches it, no part
    runs the tree's code (``mvn test``, ``npm ci`` with the project's install scripts, a
    ``git fetch`` that obeys a nested repository's config) or does anything program
    knowledge does not describe, and every other part only reads or moves to another
    directory (``_beside``). Such a command runs offline; an approval gives it the
    network."""
    segments = decision.segments
    networked = [s for s in segments
                 if s.described is not None and _NETWORK.intersection(s.described[1])]
    if networked and _EVALUATES.search(decision.command):
        return False
    git_only = all(_program(s.described) == "git" for s in networked)
    if git_only and any(s.described == _MOVES for s in segments) and any(
            "writes-tree" in s.described[1] and s.described[0] not in _REFS_ONLY
            for s in segments if s.described is not None):
        # `git switch evil && cd x && git fetch`: a commit may hold `x/HEAD`, `x/config` and
        # `x/objects/`, a repository of the agent's once checked out, where the nested
        # check saw none (red team 47); so may `git pull` run again in a loop. (`git fetch;
        # git apply p.patch; cat e`, the patch making `e` a link to /proc/self/environ
        # after `cat e` was judged, red team 52, keeps the network: with `cat`, the box
        # keeps no secret variable, file_readers)
        return False
    return bool(networked) and all(_shares(s.described) for s in segments) and all(
        _beside(s.described, git_only, knowledge) for s in segments if s not in networked)


def _reads_files(described: tuple[str, tuple[str, ...]] | None) -> bool:
    """Whether a part opens files by their paths: one of another program than git, or one
    given a file to an option (`git tag -F e`); or whether it may, by a language or a
    variable (``INTERPRETS``: `sed`, `awk`, `LESSKEYIN=ks less`)."""
    return described is not None and (READS_NAMED in described[1] or INTERPRETS in described[1] or (
        _program(described) != "git" and bool(_READS.intersection(described[1]))))


def _unmarked(described: tuple[str, tuple[str, ...]]) -> tuple[str, tuple[str, ...]]:
    """Without the markers that only take the secret variables (``file_readers``): a file
    named to an option or a redirect, words git may read as files, a language or a variable
    the checks may not read in full."""
    return described[0], tuple(e for e in described[1]
                               if e not in (READS_NAMED, NAMES_WORDS, INTERPRETS))


def _shares(described: tuple[str, tuple[str, ...]] | None) -> bool:
    if described is None or _TREE_CODE in described[1]:
        return False
    described = _unmarked(described)
    return bool(_NETWORK.intersection(described[1])) or _BESIDE.issuperset(described[1]) \
        or described[1] == _SETS


def _beside(described: tuple[str, tuple[str, ...]] | None, git_only: bool,
            knowledge: Knowledge | None) -> bool:
    """Whether a part may share a networked box: one that only reads (its input too: ``|
    head -5``), or moves to another directory. A part that writes the tree changes, during
    the run, what the checks read when the box was planned, before the networked program
    reads it: a `cp` through a link a branch checked out writes `.git/commondir` (git then
    obeys the agent's config), `git switch evil` brings a `postinstall` to `npm ci`, `echo
    'gitdir: x' > sub/.git` makes a repository of the agent's (red team 42). Beside only
    git's networked parts (`git stash && git pull && git stash pop`), git's own writes are
    kept: git writes no file of its settings, nor through a link."""
    if described is None:
        return False
    described = _unmarked(described)
    if described[1] in (("reads",), _SETS) or described == _MOVES \
            or _reads_its_input(described, knowledge) or _wraps(described, knowledge) \
            or (not described[1] and knowledge is not None
                and knowledge.spec(_program(described)).says_only):
        return True
    return git_only and _program(described) == "git" and _BESIDE.issuperset(described[1])


def _wraps(described: tuple[str, tuple[str, ...]], knowledge: Knowledge | None) -> bool:
    """``timeout 60`` of ``timeout 60 npm ci``: a wrapper claims nothing and writes nothing
    itself; what it runs is a part of its own, judged as one."""
    return not described[1] and knowledge is not None \
        and knowledge.spec(_program(described)).wrapper is not None


def _program(described: tuple[str, tuple[str, ...]] | None) -> str:
    return os.path.basename(_owner(described)) if described is not None and described[0] \
        else ""


def _protected(policies: Sequence[Policy], key: str) -> tuple[str, ...]:
    """Every policy's protected paths; an exception (``!**/.env.example``) only from the
    operator's: one in a project policy would unhide the operator's secrets in the box."""
    own = (g.text for g in getattr(policies[0], key))
    added = (g.text for p in policies[1:] for g in getattr(p, key) if not g.text.startswith("!"))
    return _union([*own, *added])


def decided_limits(policy: Policy, decision: Decision | None) -> Limits:
    """The limits of a run: per part, those of the rules that allowed it (the tightest when
    several did), else the policy's; the whole command gets the tightest of its parts."""
    if decision is None:
        return policy.limits
    limits: Limits | None = None
    for segment in decision.segments:
        rules = [policy.rule(v.rule) for v in segment.verdicts if v.decision == "allow"]
        named = [rule_limits(policy.limits, r.limits) for r in rules if r and r.limits]
        part = policy.limits if not named else named[0]
        for other in named[1:]:
            part = part.tighter(other)
        limits = part if limits is None else limits.tighter(part)
    return policy.limits if limits is None else limits


def lifted(spec: Spec, decision: Decision, parsed: ParsedCommand,
           policies: Sequence[Policy]) -> Spec:
    """An approved command's boundary: what the explanation said it asks for, and no more.

    Writes outside the tree make the directories that hold them writable; writes to paths
    known only at run time make the file system writable (protected paths and gatekeep's
    own files stay read-only); a network connection or a program known to use the network
    gets the network.
    """
    from gatekeep.core.paths import OUTSIDE, TEMP_UNSHARED

    verdicts = [v for s in decision.segments for v in s.verdicts]
    writable = [_holder(v.reason[len(start):-len(end)]) for v in verdicts
                for start, end in (OUTSIDE, TEMP_UNSHARED)
                if v.rule == "path:outside" and v.reason
                and v.reason.startswith(start) and v.reason.endswith(end)]
    network = spec.network or bool(network_parts(decision)) \
        or any(v.rule == "path:network" for v in verdicts) or _uses_network(parsed, policies)
    if network and not spec.network:  # the approved command's own programs download
        spec = with_caches(spec, policies[0], True, _programs(parsed, policies))
    if network:  # and keep the secret variables: `curl -H "Authorization: $TOKEN"`
        spec = spec._replace(credentials=("*",), steady_path=spec.steady_path or all(
            s.described is not None and _TREE_CODE not in s.described[1]
            for s in decision.segments))  # a program of the tree's is the approved one's
    return spec._replace(
        writable=_union([*spec.writable, *writable]),
        everything_writable=any(v.rule == "path:unknown" for v in verdicts), approved=True)


def _holder(path: str) -> str:
    """The nearest existing directory that holds ``path`` (or is it)."""
    current = path
    while not os.path.isdir(current) and current not in ("", "/"):
        current = os.path.dirname(current)
    return current or "/"


def _uses_network(parsed: ParsedCommand, policies: Sequence[Policy]) -> bool:
    knowledge = policies[0].knowledge
    return any(knowledge.spec(p).network for p in _programs(parsed, policies))


def _programs(parsed: ParsedCommand, policies: Sequence[Policy]) -> list[str]:
    """The names of the programs a command runs, and of the modules it runs (``-m pip``)."""
    from gatekeep.shell.analyze import analyze

    invocations = analyze(parsed, policies[0].knowledge).invocations
    return [*(os.path.basename(i.program) for i in invocations if i.program),
            *(i.module.value for i in invocations if i.module and i.module.value)]


def _union(texts: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(texts))
