"""Program knowledge read from YAML (``policies/programs.yaml`` and a user's own files).

Errors name ``file:line:col`` and the key path; what the values mean is
``gatekeep.shell.knowledge``.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from gatekeep.shell.effects import VOCABULARY
from gatekeep.shell.knowledge import (
    BoxNote,
    ExecSpec,
    Installer,
    Knowledge,
    Manifests,
    ProgramEffects,
    ProgramSpec,
    WrapperSpec,
)

if TYPE_CHECKING:
    from gatekeep.policy.yamlsource import Located

__all__ = ["Knowledge", "load_knowledge"]

_PROGRAM_KEYS = frozenset({
    "value_options", "aliases", "runs_code", "writes", "reads", "single_dash_long",
    "options_first", "wrapper", "exec", "shell", "inline_code", "inline_reader", "stdin_code",
    "script",
    "positional_writes", "operand_writes", "force_args", "subcommands", "network", "note",
    "stdin_args", "no_options", "destructive", "ends_options", "module_options",
    "writes_positional", "url_args", "url_words", "own_hosts", "environment_texts", "code_texts",
    "environment_options", "long_single_dash",
    "reads_trees",
    "changes_directory", "assigns",
    "stdin_code_options", "effect", "abbreviations", "flags", "reads_list", "writes_with",
    "network_options", "old_style", "names_from_input", "unseen_writes",
    "hazard", "writes_positionals_with", "rewrites_with", "rewrites_unless", "code_dirs",
    "code_files", "code_positionals", "runs_cwd", "chdir_options", "lists_names",
    "selects_lines", "script_positional", "setting_texts", "settings_from_input",
    "info_options", "globals_first", "file_values",
    "address_operands", "remote_options", "assigns_operands", "own_variables", "venv_tool",
    "in_shell", "runs_package", "package_tool", "shell_builtin",
    "state_options", "goals", "abbreviated_goals", "keeps_content", "says_only", "interprets",
    "into_dir", "target_itself", "symlinks_with", "symlinks_unless", "backups_with",
    "backup_suffixes",
    "script_options", "venv_interpreter", "renames", "reads_unlisted", "reads_trees_with",
    "pattern_options", "plain_values", "optional_values", "deletes_operands",
    "unseen_writes_unless", "syntax_check_options", "names_found", "narrows", "negations",
    "prunes", "alternatives", "repository_dirs", "moves_operands", "looks_only",
    "option_files", "letter_clusters", "write_prefixes",
})
_INSTALLER_KEYS = frozenset({"kind", "source_options", "spec_options", "path_options",
                             "list_options", "same_as"})
_INSTALLER_OPTIONS = ("source_options", "spec_options", "path_options", "list_options")
INSTALLER_KINDS = ("python", "npm", "cargo", "go", "gem")
_WRAPPER_KEYS = frozenset({"skip", "join", "assignments", "script_option", "venv",
                           "settings", "version_files"})
# keys that are a yes/no of the same name in ProgramSpec
_FLAGS = (
    "single_dash_long", "no_options", "url_args", "url_words", "long_single_dash",
    "reads_trees", "changes_directory",
    "stdin_code", "stdin_args", "positional_writes", "network", "code_positionals",
    "runs_cwd", "lists_names", "selects_lines", "script_positional", "old_style",
    "unseen_writes", "settings_from_input", "globals_first", "address_operands",
    "assigns_operands", "venv_tool", "venv_interpreter", "in_shell", "runs_package",
    "package_tool", "goals", "abbreviated_goals", "keeps_content", "shell_builtin",
    "says_only", "interprets", "into_dir", "deletes_operands", "moves_operands", "looks_only",
    "option_files", "letter_clusters",
)
_EXEC_KEYS = frozenset({"start", "end"})
_EFFECTS_KEYS = frozenset({"every", "subcommands", "options", "same_as", "file_operands_from",
                           "path_operands", "actions"})
_MANIFEST_KEYS = frozenset(Manifests._fields)
_MANIFEST_FILES = ("code_files", "settings", "locks", "text_locks", "toml_locks")  # file names
_MERGE = "tag:yaml.org,2002:merge"  # `<<: *anchor`


def load_knowledge(path: Path, base: Knowledge | None = None) -> Knowledge:
    """Load a program knowledge file; errors name ``file:line:col`` and the key path.

    With ``base``, the file extends it: a program it names replaces the base's entry
    for that program, its variables are added, its special paths override.
    """
    from gatekeep.policy.yamlsource import compose, read_source, require_marker

    root = compose(read_source(path, "program knowledge"), str(path))
    version = "expected 'gatekeep-programs: 1' (the format version)"
    require_marker(root, "gatekeep-programs", f"not a program knowledge file: {version}")
    top = root.mapping(frozenset({"gatekeep-programs", "programs", "environment", "special_paths",
                                  "installers", "effects", "manifests", "in_the_box",
                                  "outputs", "package_bins"}))
    if top["gatekeep-programs"].scalar() != 1:
        raise top["gatekeep-programs"].error(version)
    programs: dict[str, ProgramSpec] = {}
    if "programs" in top:
        for name, located in top["programs"].mapping().items():
            spec = _program(name, located)
            for alias in _aliases_of(located):
                programs[alias] = spec
            programs[name] = spec
    environment = top["environment"].mapping(
        frozenset({"names", "prefixes", "secrets", "plain", "credentials", "code_paths",
                   "values"})) \
        if "environment" in top else {}
    special = top["special_paths"].mapping() if "special_paths" in top else {}
    outputs = top["outputs"].mapping(frozenset({"caches", "built"})) if "outputs" in top else {}
    loaded = Knowledge(
        programs,
        frozenset(environment["names"].strings()) if "names" in environment else frozenset(),
        environment["prefixes"].strings() if "prefixes" in environment else (),
        {key: value.choice(("ignore", "network", "read")) for key, value in special.items()},
        (str(path),),
        _installers(top["installers"]) if "installers" in top else (),
        _effects(top["effects"]) if "effects" in top else {},
        _manifests(top["manifests"]) if "manifests" in top else {},
        tuple(name.upper() for name in environment["secrets"].strings())
        if "secrets" in environment else (),
        environment["plain"].strings() if "plain" in environment else (),
        {program: _credentials(names) for program, names
         in environment["credentials"].mapping().items()}
        if "credentials" in environment else {},
        _box_notes(top["in_the_box"]) if "in_the_box" in top else {},
        frozenset(environment["code_paths"].strings()) if "code_paths" in environment
        else frozenset(),
        {name: _patterns(patterns) for name, patterns in environment["values"].mapping().items()}
        if "values" in environment else {},
        _names(outputs["caches"]) if "caches" in outputs else (),
        _names(outputs["built"]) if "built" in outputs else (),
        top["package_bins"].strings() if "package_bins" in top else (),
    )
    if base is None:
        return loaded
    return Knowledge(
        {**base.programs, **loaded.programs}, base.environment | loaded.environment,
        base.environment_prefixes + loaded.environment_prefixes,
        {**base.special_paths, **loaded.special_paths}, base.files + loaded.files,
        base.installers + loaded.installers, {**base.effects, **loaded.effects},
        {**base.manifests, **loaded.manifests}, base.secrets + loaded.secrets,
        base.plain + loaded.plain, {**base.credentials, **loaded.credentials},
        {**base.box_notes, **loaded.box_notes}, base.code_paths | loaded.code_paths,
        {**base.values, **loaded.values}, base.output_caches + loaded.output_caches,
        base.output_built + loaded.output_built, base.package_bins + loaded.package_bins,
    )


def _names(located: Located) -> tuple[str, ...]:
    """``outputs:``' directory names: a name, ``*suffix`` or ``prefix*``, no ``/``."""
    names = located.strings()
    for name in names:
        if not name or "/" in name or name in (".", "..", ".git") \
                or not name.strip("*") or "*" in name.strip("*"):
            raise located.error(f"not a directory's name, nor *suffix or prefix*: {name!r}")
    return names


def _effects(located: Located) -> dict[str, ProgramEffects]:
    """``effects:``: per program, what its runs do; every name is one of the vocabulary."""
    found: dict[str, ProgramEffects] = {}
    for program, entry in located.mapping().items():
        fields = entry.mapping(_EFFECTS_KEYS)
        subcommands = {" ".join(words.split()): _effect_names(value)
                       for words, value in fields["subcommands"].mapping().items()} \
            if "subcommands" in fields else {}
        options, actions = _keyed_options(fields, "options"), _keyed_options(fields, "actions")
        spec = ProgramEffects(
            _effect_names(fields["every"]) if "every" in fields else (),
            MappingProxyType(subcommands), MappingProxyType(options),
            int(fields["file_operands_from"].number(1)) if "file_operands_from" in fields
            else 0,
            MappingProxyType({" ".join(words.split()): _effect_names(value) for words, value
                              in fields["path_operands"].mapping().items()})
            if "path_operands" in fields else MappingProxyType({}),
            MappingProxyType(actions))
        for name in (program, *(fields["same_as"].strings() if "same_as" in fields else ())):
            found[name] = spec
    return found


def _keyed_options(fields: dict[str, Located], key: str) -> dict[str, tuple[str, ...]]:
    """An effects table's ``options`` or ``actions``: an option, or subcommand words and an
    option (``"push --force"``) -> effects."""
    found: dict[str, tuple[str, ...]] = {}
    for name, value in (fields[key].mapping().items() if key in fields else ()):
        words = name.split()
        if not words or not words[-1].startswith("-") \
                or any(w.startswith("-") for w in words[:-1]):
            raise value.error(f"expected an option, or subcommand words and an option, "
                              f"got {name!r}")
        found[" ".join(words)] = _effect_names(value)
    return found


def _manifests(located: Located) -> dict[str, Manifests]:
    """``manifests:``: per program (its file name), the files it obeys as code."""
    return {program: _manifest(_merged(entry, frozenset()))
            for program, entry in located.mapping().items()}


def _manifest(fields: dict[str, Located]) -> Manifests:
    def names(key: str) -> tuple[str, ...]:
        return tuple(_name(key, item) for item in fields[key].items()) if key in fields else ()

    return Manifests(
        _file_name(fields["manifest"]) if "manifest" in fields else None,
        frozenset(names("lifecycle")), frozenset(names("no_scripts")), names("workspaces"),
        names("dependencies"), names("local_specs"), names("code_files"), names("settings"),
        names("locks"),
        _registry(fields["registry"]) if "registry" in fields else None,
        _flag(fields["nested_repository"]) if "nested_repository" in fields else False,
        names("project_tables"), names("subcommands"), names("text_locks"),
        tuple(_registry(item) for item in fields["registries"].items())
        if "registries" in fields else (),
        fields["local_markers"].strings() if "local_markers" in fields else (),
        names("toml_locks"))


def _merged(located: Located, seen: frozenset[int]) -> dict[str, Located]:
    """An entry's fields: those of the mapping a ``<<: *anchor`` names, then its own, which
    replace them (a YAML merge key; an entry may not merge itself)."""
    import yaml

    from gatekeep.policy.yamlsource import Located

    node = located.node
    if not isinstance(node, yaml.MappingNode):
        return located.mapping()  # raises: not a mapping
    if id(node) in seen:
        raise located.error("an entry merges itself ('<<')")
    fields: dict[str, Located] = {}
    for key, value in node.value:
        if key.tag == _MERGE:
            fields.update(_merged(located.child(value, "<<"), seen | {id(node)}))
    own = yaml.MappingNode(node.tag, [(k, v) for k, v in node.value if k.tag != _MERGE],
                           node.start_mark, node.end_mark)
    fields.update(Located(own, located.file, located.path).mapping(_MANIFEST_KEYS))
    return fields


def _file_name(located: Located) -> str:
    name = located.string()
    if "/" in name or name in (".", ".."):
        raise located.error(f"expected a file name (no '/'), got {name!r}")
    return name


def _name(key: str, located: Located) -> str:
    """One name of a ``manifests:`` list: a file name, an option or a word."""
    if key in _MANIFEST_FILES:
        return _file_name(located)
    name = located.string()
    if key == "no_scripts" and not name.startswith("-"):
        raise located.error(f"expected an option, got {name!r}")
    return name


def _registry(located: Located) -> str:
    """A registry's address, ending in ``/`` so that it is a prefix of its own URLs only."""
    address = located.string()
    scheme, _, rest = address.partition("://")
    if scheme not in ("https", "http") or not rest.split("/", 1)[0] \
            or not address.endswith("/"):
        raise located.error(f"expected the registry's URL ending in '/', got {address!r}")
    return address


def _effect_names(located: Located) -> tuple[str, ...]:
    return tuple(item.choice(VOCABULARY) for item in located.items())


def _installers(located: Located) -> tuple[Installer, ...]:
    """``installers:``: ``"pip install": {kind: python, ...}``; ``same_as`` names more commands."""
    found: list[Installer] = []
    for command, entry in located.mapping().items():
        fields = entry.mapping(_INSTALLER_KEYS)
        if "kind" not in fields:
            raise entry.error("an installer needs 'kind'")
        kind = fields["kind"].choice(INSTALLER_KINDS)
        sources, specs, paths, lists = (frozenset(fields[key].strings()) if key in fields
                                        else frozenset() for key in _INSTALLER_OPTIONS)
        names = (command, *(fields["same_as"].strings() if "same_as" in fields else ()))
        for name in names:
            words = tuple(name.split())
            if len(words) < 2:
                raise entry.error(f"an installer is a program and its words: {name!r}")
            found.append(Installer(words, kind, sources, specs, paths, lists))
    return tuple(found)


def _aliases_of(located: Located) -> tuple[str, ...]:
    fields = located.mapping(_PROGRAM_KEYS | {"same_as"})
    return fields["same_as"].strings() if "same_as" in fields else ()


def _program(name: str, located: Located, abbreviations: bool = False) -> ProgramSpec:
    """One program's spec; a subcommand accepts abbreviations as its program does, unless set."""
    fields = located.mapping(_PROGRAM_KEYS | {"same_as"})

    def strings(key: str) -> frozenset[str]:
        return frozenset(fields[key].strings()) if key in fields else frozenset()

    def flag(key: str) -> bool:
        return _flag(fields[key]) if key in fields else False

    aliases: dict[str, str] = {}
    if "aliases" in fields:
        for short, target in fields["aliases"].mapping().items():
            aliases[short] = target.string()
    if "abbreviations" in fields:
        abbreviations = flag("abbreviations")
    subcommands = {
        sub: _program(sub, value, abbreviations)
        for sub, value in fields["subcommands"].mapping().items()
    } if "subcommands" in fields else {}
    writes_with = {option: frozenset(modes.strings())
                   for option, modes in fields["writes_with"].mapping().items()} \
        if "writes_with" in fields else {}
    reads_trees_with = dict(entry.partition(" ")[::2] for entry in strings("reads_trees_with"))
    mentioned = set(aliases) | set(aliases.values()) | set(writes_with) | set(reads_trees_with)
    for key in ("value_options", "runs_code", "destructive", "writes", "reads", "inline_code",
                "assigns", "ends_options", "module_options", "stdin_code_options", "flags",
                "reads_list", "network_options", "names_from_input", "setting_texts",
                "info_options", "file_values", "remote_options", "state_options",
                "pattern_options",
                "environment_options", "renames", "target_itself", "unseen_writes_unless",
                "symlinks_with", "symlinks_unless", "backups_with", "backup_suffixes",
                "syntax_check_options", "names_found", "narrows", "negations",
                "prunes", "alternatives",
                # (an abbreviation of these too: `make --fi=/tmp/x` is --file: red team 88)
                "code_files", "code_dirs", "chdir_options", "writes_positionals_with",
                "rewrites_with"):
        mentioned |= strings(key)
    mentioned -= set(strings("write_prefixes"))
    mentioned |= {o.rstrip("=") for o in strings("script_options")}
    return ProgramSpec(
        **{key: flag(key) for key in _FLAGS},
        name=name,
        value_options=strings("value_options") | strings("writes") | strings("reads")
        | strings("inline_code") | strings("assigns") | strings("reads_list")
        | strings("network_options") | frozenset(writes_with)
        | frozenset(o for o, value in reads_trees_with.items() if value)  # `cp -a`: no value
        | strings("code_dirs")
        | strings("code_files") | strings("chdir_options") | strings("setting_texts")
        | strings("file_values"),
        aliases=aliases,
        optional_values=strings("optional_values"),
        runs_code=strings("runs_code"),
        destructive=strings("destructive"),
        writes=strings("writes"),
        reads=strings("reads"),
        options_first=flag("options_first") or "wrapper" in fields,
        ends_options=strings("ends_options") | strings("module_options"),
        module_options=strings("module_options"),
        writes_positional=_numbers(fields["writes_positional"]) if "writes_positional" in fields
        else (),
        assigns=strings("assigns"),
        wrapper=_wrapper(fields["wrapper"]) if "wrapper" in fields else None,
        exec=_exec(fields["exec"]) if "exec" in fields else None,
        shell=fields["shell"].string() if "shell" in fields else None,
        inline_code=strings("inline_code"),
        stdin_code_options=strings("stdin_code_options"),
        script=fields["script"].choice(("sed", "awk")) if "script" in fields else None,
        inline_reader=fields["inline_reader"].choice(("python", "javascript"))
        if "inline_reader" in fields else None,
        operand_writes=tuple(sorted(strings("operand_writes"))),
        force_args=tuple(sorted(strings("force_args"))),
        effect=fields["effect"].string() if "effect" in fields else None,
        hazard=fields["hazard"].string() if "hazard" in fields else None,
        writes_positionals_with=strings("writes_positionals_with"),
        rewrites_with=strings("rewrites_with"),
        unseen_writes_unless=strings("unseen_writes_unless"),
        rewrites_unless=strings("rewrites_unless") if "rewrites_unless" in fields else None,
        code_dirs=strings("code_dirs"),
        code_files=strings("code_files"),
        chdir_options=strings("chdir_options"),
        subcommands=subcommands,
        abbreviations=abbreviations,
        long_options=frozenset(o for o in mentioned if o.startswith("--")),
        reads_list=strings("reads_list"),
        writes_with=writes_with,
        reads_trees_with=reads_trees_with,
        plain_values=dict(entry.partition(" ")[::2] for entry in strings("plain_values")),
        network_options=strings("network_options"),
        names_from_input=strings("names_from_input"),
        setting_texts=strings("setting_texts"),
        info_options=strings("info_options"),
        file_values=strings("file_values"),
        remote_options=strings("remote_options"),
        own_variables=strings("own_variables"),
        script_options=strings("script_options"),
        syntax_check_options=strings("syntax_check_options"),
        write_prefixes=strings("write_prefixes"),
        names_found=strings("names_found"),
        narrows=strings("narrows"),
        negations=strings("negations"),
        prunes=strings("prunes"),
        repository_dirs=strings("repository_dirs"),
        alternatives=strings("alternatives"),
        renames=strings("renames"),
        target_itself=strings("target_itself"),
        symlinks_with=strings("symlinks_with"),
        symlinks_unless=strings("symlinks_unless"),
        backups_with=strings("backups_with"),
        backup_suffixes=strings("backup_suffixes"),
        reads_unlisted=strings("reads_unlisted"),
        pattern_options=strings("pattern_options"),
        own_hosts=frozenset(h.lower() for h in strings("own_hosts")),
        environment_texts=_patterns(fields["environment_texts"])
        if "environment_texts" in fields else (),
        code_texts=_patterns(fields["code_texts"]) if "code_texts" in fields else (),
        environment_options=strings("environment_options"),
        state_options=frozenset(o.split(" ", 1)[0] for o in strings("state_options")),
        state_values=frozenset(o for o in strings("state_options") if " " in o),
    )


def _credentials(located: Located) -> tuple[str, ...]:
    """``environment.credentials`` of one program: each a variable's name (``NPM_*``: a
    prefix), a file of the operator's (``~/.npmrc``, an absolute path) or ``(git configs)``;
    anything else would keep nothing, unseen."""
    texts = located.strings()
    for item, text in zip(located.items(), texts, strict=True):
        name = text[:-1] if text.endswith("*") else text
        if text != "(git configs)" and not text.startswith(("~/", "/")) and not (
                name and name.replace("_", "a").isascii()
                and name.replace("_", "a").isalnum() and not name[0].isdigit()):
            raise item.error(f"expected a variable's name (a trailing * for a prefix), a "
                             f"file (~/... or /...) or '(git configs)', got {text!r}")
    return texts


def _box_notes(located: Located) -> dict[str, BoxNote]:
    """``in_the_box:``: per program, one line said after a ``failed`` run of it in the box,
    or ``always`` after every run; a program has one."""
    found: dict[str, BoxNote] = {}
    for when, table in located.mapping(frozenset({"failed", "always"})).items():
        for program, text in table.mapping().items():
            if program in found:
                raise text.error(f"{program} has a note already")
            line = text.string()
            if "\n" in line:
                raise text.error("expected one line")
            found[program] = BoxNote(line, when == "always")
    return found


def _patterns(located: Located) -> tuple[str, ...]:
    """Regular expressions, each checked when the knowledge is loaded."""
    import re

    texts = located.strings()
    for item, text in zip(located.items(), texts, strict=True):
        try:
            re.compile(text)
        except re.error as error:
            raise item.error(f"not a regular expression: {error}") from None
    return texts


def _wrapper(located: Located) -> WrapperSpec:
    fields = located.mapping(_WRAPPER_KEYS)
    skip = int(fields["skip"].number()) if "skip" in fields else 0
    join = _flag(fields["join"]) if "join" in fields else False
    assignments = _flag(fields["assignments"]) if "assignments" in fields else False
    option = fields["script_option"].string() if "script_option" in fields else None
    venv = fields["venv"].string() if "venv" in fields else None
    settings = fields["settings"].strings() if "settings" in fields else ()
    versions = fields["version_files"].strings() if "version_files" in fields else ()
    return WrapperSpec(skip, join, assignments, option, venv, settings, versions)


def _flag(located: Located) -> bool:
    value = located.scalar()
    if not isinstance(value, bool):
        raise located.error(f"expected true or false, got {value!r}")
    return value


def _exec(located: Located) -> ExecSpec:
    fields = located.mapping(_EXEC_KEYS)
    for key in _EXEC_KEYS:
        if key not in fields:
            raise located.error(f"missing key {key!r}")
    return ExecSpec(frozenset(fields["start"].strings()), frozenset(fields["end"].strings()))


def _numbers(located: Located) -> tuple[int, ...]:
    numbers = []
    for item in located.items():
        value = item.scalar()
        if isinstance(value, bool) or not isinstance(value, int) or value == 0:
            raise item.error(f"expected a positional number (1 is the first, -1 the last), "
                             f"got {value!r}")
        numbers.append(value)
    return tuple(numbers)
