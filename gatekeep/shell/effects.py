"""The effect vocabulary: what an invocation does, in a fixed set of names.

Program knowledge gives programs, subcommands and options these effects
(``policies/programs.yaml``, keys ``effects`` and ``option_effects``); analysis and
judging add the ones that depend on the words and the paths (``network-loopback``,
``writes-elsewhere``, ``runs-tree-code``). Rules match them with ``effects:``, and the
explanation of an ask or a deny says what the command does from them alone, so the line
shown is as true as the knowledge is.
"""

from __future__ import annotations

# name -> what it means, as the operator reads it; the order is the one lines are shown in
EFFECTS: dict[str, str] = {
    "deploys": "changes deployed systems",
    "changes-services": "starts, stops or signals running services or processes",
    "installs": "installs packages",
    "runs-foreign-code": "runs code from outside the project",
    "runs-tree-code": "runs the project's own code",
    "rewrites-history": "replaces commits a branch already has",
    "skips-checks": "skips the repository's own checks (its hooks)",
    "network": "connects to another machine or a network service",
    "network-loopback": "connects only to this machine",
    "discards": "discards uncommitted changes to files",
    "deletes": "deletes files other than build output",
    "writes-elsewhere": "writes or deletes files outside the working tree",
    "writes-tree": "writes or deletes files in the working tree",
    "reads": "reads files",
}
VOCABULARY = tuple(EFFECTS)
# effects the analysis uses on its way to one of the vocabulary (resolved when judging)
INTERNAL = ("runs-package",)
# a run that only prints information about the program and exits (`python3 --version`):
# no effect of the vocabulary, said as such; rules cannot name it
INFO = "prints-information"
# a shell assignment or `export` of plain variables alone (`export CI=1`), as `CI=1 npm ci`
# sets them for one part: no effect of the vocabulary; it may share a networked box
SETS = "sets-plain-variables"
# a part that reads a path known only as it runs (`cat "$f"`): no effect of the vocabulary;
# it may not share a networked box, whose /proc/self/environ holds the secret variables
UNSEEN_READS = "reads-unseen-paths"
# a part of a program whose options may read, write or assign (`printf -v`, `date -f`), with
# options known only as it runs (`printf $(cat f)` may be `printf -v HOME DIR`): no effect of
# the vocabulary; it may not share a networked box
UNSEEN_OPTIONS = "options-known-at-run-time"
# a part given an option that reads a file (`date -f FILE`, `git tag -F FILE`), or a read
# redirect (`timeout 5 cat < e`): a networked box keeps no secret variable beside it (the file
# may be a link a part makes first); no effect of the vocabulary
READS_NAMED = "reads-files-named-to-options"
# a part of a program whose words may name files it reads beyond what knowledge lists
# (`reads_unlisted`: git), given operands or option values: beside a git part that writes
# the tree, its networked box keeps no secret variable (no effect of the vocabulary)
NAMES_WORDS = "may-read-files-its-words-name"
# a part whose program runs a language of its own (program knowledge's `script`: sed, awk),
# or given a variable that is not plain (`LESSKEYIN=ks less`): no check of such a language or
# of every variable is complete (red teams 56 and 57), so a networked box keeps no secret
# variable beside it (no effect of the vocabulary)
INTERPRETS = "interprets-a-language-or-variables"


def describe(name: str, effects: tuple[str, ...]) -> str | None:
    """``kubectl apply: changes deployed systems (deploys)``; None when nothing is known.

    Only names of the vocabulary are said, each once, in the vocabulary's order;
    ``network-loopback`` is left out beside ``network`` (the larger claim holds).
    """
    known = set(effects) & set(VOCABULARY)
    if "network" in known:
        known.discard("network-loopback")
    if not known:
        return f"{name}: prints information and exits; runs nothing" if INFO in effects \
            else None
    ordered = [e for e in VOCABULARY if e in known]
    said = "; ".join(f"{EFFECTS[e]} ({e})" for e in ordered)
    return f"{name}: {said}"
