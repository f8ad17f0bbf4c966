"""Program knowledge as values: what a program's options and arguments mean.

Which options take a value, which run code or write files, where a wrapper's
inner command starts: all of it is data (``policies/programs.yaml``), so a user
can extend it without touching code. Analysis reads these values; reading them
from YAML is ``gatekeep.policy.knowledge``.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType

from gatekeep.sandbox.records import NamedTuple
from gatekeep.sandbox.spec import secret_name


class WrapperSpec(NamedTuple):
    """Where a wrapped command starts: after the options and ``skip`` positionals.

    ``join`` means the rest of the words are joined into a shell script (``ssh
    host cmd``, ``watch``); ``assignments`` means leading ``NAME=value`` words set
    the environment (``env``); ``script_option`` names an option whose value is
    a script (``script -c``, ``su -c``); ``venv`` names the project's virtual environment
    whose ``bin`` comes first on the command's PATH (``uv run``: ``.venv``), and
    ``settings`` the files, in the working directory or above, that may move it or change
    what the wrapper installs first (``uv.toml``, ``poetry.toml``), or, ``version_files``,
    may when they name anything but versions (``.python-version``).
    """

    skip: int = 0
    join: bool = False
    assignments: bool = False
    script_option: str | None = None
    venv: str | None = None
    settings: tuple[str, ...] = ()
    version_files: tuple[str, ...] = ()


class ExecSpec(NamedTuple):
    """Options that start an embedded command ending at one of ``end`` (``find -exec``)."""

    start: frozenset[str]
    end: frozenset[str]


class ProgramSpec(NamedTuple):
    name: str
    value_options: frozenset[str] = frozenset()
    # options whose value is optional: in the same word (`-j8`, `--jobs=8`), or a number
    # that follows (`make -j 8`); any other word after one is not its value
    optional_values: frozenset[str] = frozenset()
    aliases: Mapping[str, str] = MappingProxyType({})
    runs_code: frozenset[str] = frozenset()
    destructive: frozenset[str] = frozenset()
    writes: frozenset[str] = frozenset()
    reads: frozenset[str] = frozenset()
    single_dash_long: bool = False
    options_first: bool = False
    no_options: bool = False
    ends_options: frozenset[str] = frozenset()
    module_options: frozenset[str] = frozenset()
    writes_positional: tuple[int, ...] = ()
    url_args: bool = False
    url_words: bool = False  # a word that is a URL (or host/owner/repo) is a host it reaches
    long_single_dash: bool = False  # `-name` (more than one letter) is `--name` (npm's nopt)
    own_hosts: frozenset[str] = frozenset()  # the hosts such a word may name unasked
    # regular expressions: a word matching one reads the environment (jq's `env`)
    environment_texts: tuple[str, ...] = ()
    # regular expressions: an operand or option value matching one makes it load code from a
    # file (jq's `include "m"`); looked for where environment_texts are
    code_texts: tuple[str, ...] = ()
    # the options whose values those are matched in (gh's --jq); none: every word
    environment_options: frozenset[str] = frozenset()
    reads_trees: bool = False
    changes_directory: bool = False
    assigns: frozenset[str] = frozenset()
    wrapper: WrapperSpec | None = None
    exec: ExecSpec | None = None
    shell: str | None = None
    inline_code: frozenset[str] = frozenset()
    inline_reader: str | None = None  # the language of inline code gatekeep reads in full
    stdin_code: bool = False
    stdin_code_options: frozenset[str] = frozenset()
    stdin_args: bool = False
    script: str | None = None
    positional_writes: bool = False
    operand_writes: tuple[str, ...] = ()
    force_args: tuple[str, ...] = ()
    network: bool = False
    effect: str | None = None  # what running it does, in words, for the operator's prompt
    hazard: str | None = None  # what every run of it does that a person should look at
    writes_positionals_with: frozenset[str] = frozenset()
    # a formatter's operands, files or directories of them it rewrites in place: with one of
    # these options, or unless given one of those (`black --check`)
    rewrites_with: frozenset[str] = frozenset()
    rewrites_unless: frozenset[str] | None = None
    code_dirs: frozenset[str] = frozenset()
    code_files: frozenset[str] = frozenset()
    code_positionals: bool = False
    runs_cwd: bool = False
    chdir_options: frozenset[str] = frozenset()
    lists_names: bool = False
    selects_lines: bool = False
    script_positional: bool = False  # the first operand is a shell script (`trap CODE SIG`)
    subcommands: Mapping[str, ProgramSpec] = MappingProxyType({})
    abbreviations: bool = False  # a long option may be spelled as a prefix of its name
    long_options: frozenset[str] = frozenset()  # every ``--name`` the knowledge mentions
    reads_list: frozenset[str] = frozenset()  # options naming a list of files read
    writes_with: Mapping[str, frozenset[str]] = MappingProxyType({})
    # option -> the value (or any start of it; "": none) that makes it read whole trees
    # (`cp -a`, grep's `-d recurse`)
    reads_trees_with: Mapping[str, str] = MappingProxyType({})
    # code option -> the start of a value that names no code (`pytest -p no:NAME`)
    plain_values: Mapping[str, str] = MappingProxyType({})
    network_options: frozenset[str] = frozenset()
    old_style: bool = False  # a first word without a dash is a cluster of options (tar xzf)
    names_from_input: frozenset[str] = frozenset()  # options making it read paths from input
    unseen_writes: bool = False  # without a file operand it writes files its input names (patch)
    unseen_writes_unless: frozenset[str] = frozenset()  # but not given one of these (--dry-run)
    # options whose value is text that sets named values (SQL, JSON, YAML): where bounds look
    setting_texts: frozenset[str] = frozenset()
    settings_from_input: bool = False  # without such an option it reads that text elsewhere
    info_options: frozenset[str] = frozenset()  # print information and exit (`--version`)
    globals_first: bool = False  # global options only before the subcommand (git, docker)
    file_values: frozenset[str] = frozenset()  # `@PATH` values are files read (`curl -d @f`)
    address_operands: bool = False  # its operands are network addresses (curl URL...)
    remote_options: frozenset[str] = frozenset()  # may send it elsewhere (`curl --resolve`)
    assigns_operands: bool = False  # its operands name shell variables it sets (`read line`)
    venv_tool: bool = False  # in a project's virtualenv it runs tree code (`.venv/bin/pytest`)
    package_tool: bool = False  # `npx NAME` of a project that installs it runs tree code
    # a project virtualenv's link to it is it, with the venv's packages (`.venv/bin/python`)
    venv_interpreter: bool = False
    # options that give the program it runs another name (`exec -a`), which programs act on
    renames: frozenset[str] = frozenset()
    in_shell: bool = False  # runs its script in the shell itself, whose state it changes
    shell_builtin: bool = False  # bash runs the bare name as its builtin (`test`), never a file
    says_only: bool = False  # writes nothing but its output, claims nothing (`echo`, `date`)
    # its operand is a program in a language of its own (jq), as `script` says of sed and awk
    interprets: bool = False
    # the last operand (or a `writes` option's value), when a directory, receives the others
    # by their names; unless one of these options makes it the target itself (`-T`)
    into_dir: bool = False
    target_itself: frozenset[str] = frozenset()
    # options that make its sources the text of symbolic links (`ln -s`), which the system
    # resolves from the link's directory, unless given one of symlinks_unless (`ln -r`)
    symlinks_with: frozenset[str] = frozenset()
    symlinks_unless: frozenset[str] = frozenset()
    # options that keep each file it replaces as a backup (`cp -b`), and that give the
    # backup's suffix (`-S .yml`, which makes backups too)
    backups_with: frozenset[str] = frozenset()
    backup_suffixes: frozenset[str] = frozenset()
    # (set) its options and operands may name files it reads beyond those `reads` lists
    # (git's: `notes add -F`, `config -f`, `--pathspec-from-file`, `hash-object PATH`), but
    # for these subcommands' own words (`stash pop`), which name none
    reads_unlisted: frozenset[str] = frozenset()
    # options that give what its first operand is otherwise (`grep -e PATTERN`, `sed -e
    # SCRIPT`, `awk -f FILE`): given one, every operand is a file it reads
    pattern_options: frozenset[str] = frozenset()
    runs_package: bool = False  # its first operand is a package's tool it may download (npx)
    own_variables: frozenset[str] = frozenset()  # set for it, they change only it (`IFS= read`)
    # options that change how an interpreter runs its script, not what it loads (`-u`);
    # `--name=` only with its value in the same word (`--max-old-space-size=4096`)
    script_options: frozenset[str] = frozenset()
    # options that make an interpreter only check its script's syntax and run nothing
    # (`node --check`, `bash -n`): with none but these and script options, the script is read
    syntax_check_options: frozenset[str] = frozenset()
    # a search's option that names each entry it finds (`find -name`), and the options that
    # only narrow what it finds or say how it walks (`-type d`, `-maxdepth 2`): with one of
    # the first and none but the second, every entry found (every `{}`) is named so
    names_found: frozenset[str] = frozenset()
    narrows: frozenset[str] = frozenset()
    # options that negate the test after them (`-not`): before one that narrows, they narrow
    negations: frozenset[str] = frozenset()
    # `find . -path ./.venv -prune -o -name x ...`: the first test skips what it matches
    # (``prunes`` after it), an ``alternatives`` option starts what the rest finds
    prunes: frozenset[str] = frozenset()
    alternatives: frozenset[str] = frozenset()
    # directories whose code the program runs by design, named as such (git's `.git`)
    repository_dirs: frozenset[str] = frozenset()
    # options (or an option with one value, "-o allexport") that change how the shell runs
    # every later command (`set -a` exports each variable set after it)
    state_options: frozenset[str] = frozenset()
    state_values: frozenset[str] = frozenset()  # the "-o allexport" entries of state_options
    # every operand is a goal or task it runs in turn (`mvn clean deploy`): each is judged
    goals: bool = False
    keeps_content: bool = False  # what it writes keeps its content (chmod, touch, mkdir)
    # its operands are files it deletes (rm): effect `deletes`, unless each is build output
    deletes_operands: bool = False
    # its operands but the target are moved (`mv`): out of the working tree, they leave it,
    # as `rm` deletes them (the effect `deletes`, unless each is build output)
    moves_operands: bool = False
    # its operands are files it only looks at (names, sizes, times), not what they hold
    # (`ls`, `stat`, `test -f`): no read of a protected file's content
    looks_only: bool = False
    # an operand `@FILE` is more of its options, read from FILE (binutils): unseen
    option_files: bool = False
    # its options are words (`single_dash_long`), but it also reads letters together
    # (`zip -qrm` is -q -r -m)
    letter_clusters: bool = False
    # the starts of a family of options whose value after `=` is a file it writes
    # (gcc's `-fopt-info-vec-missed=FILE`, `-fdump-tree-all=FILE`)
    write_prefixes: frozenset[str] = frozenset()
    abbreviated_goals: bool = False  # a goal may be an abbreviation of a task's name (gradle)

    def canonical(self, option: str) -> str:
        return self.aliases.get(option, option)

    def expand(self, option: str) -> tuple[str, ...]:
        """The long options a possibly abbreviated ``--opt`` may stand for.

        A program that accepts unambiguous prefixes reads ``--forc`` as ``--force``;
        an ambiguous prefix stands for every option it begins, so that none of them
        goes unseen (the program itself refuses it, or picks one).
        """
        if not self.abbreviations or option in self.long_options or len(option) < 3:
            return (option,)
        found = tuple(sorted(o for o in self.long_options if o.startswith(option)))
        return found or (option,)


class Installer(NamedTuple):
    """A command that installs packages (``pip install``), and how to read what it installs.

    ``kind`` says how a package word is read (python, npm, cargo, go, gem);
    ``source_options`` set where packages come from (``--index-url``, ``--git``);
    ``spec_options`` take a package word (``pip -e``); ``path_options`` name a local file
    it installs from or reads the packages of (``pip -r``).
    """

    words: tuple[str, ...]
    kind: str
    source_options: frozenset[str] = frozenset()
    spec_options: frozenset[str] = frozenset()
    path_options: frozenset[str] = frozenset()
    list_options: frozenset[str] = frozenset()  # a file listing more of them (`pip -r`)


class ProgramEffects(NamedTuple):
    """What a program's runs do, in the effect vocabulary (``gatekeep.shell.effects``).

    ``every``: the effects of a run no subcommand entry matches; ``subcommands``: leading
    positional words (``"compose up"``) -> the effects of such a run, instead of ``every``
    (the longest that matches decides); ``options``: an option, or subcommand words and an
    option (``"push --force"``) -> effects added when it is given; ``file_operands_from``:
    the operands from this one on (1: the first) are the files it reads, and given none it
    reads its input, so its ``reads`` holds only when it names a file (``cat > f <<EOF``
    reads no file); 0: its ``reads`` holds for every run. ``path_operands``: subcommand
    words -> effects added when an operand after them may name a file that is there (one
    that exists, a pattern, a word known only at run time, any after ``--``): ``git
    checkout FILE`` discards its changes, ``git checkout BRANCH`` none (judged by
    ``core.engine``, which sees the files). ``actions``: keyed as ``options`` are, an option
    that makes the run do only this (``rebase --abort`` puts the branch back): its effects
    replace the subcommand's and every option's.
    """

    every: tuple[str, ...] = ()
    subcommands: Mapping[str, tuple[str, ...]] = MappingProxyType({})  # "compose up": ...
    options: Mapping[str, tuple[str, ...]] = MappingProxyType({})  # "--x", "push --x": ...
    file_operands_from: int = 0
    path_operands: Mapping[str, tuple[str, ...]] = MappingProxyType({})
    actions: Mapping[str, tuple[str, ...]] = MappingProxyType({})  # "rebase --abort": ...

    def of(self, words: tuple[str, ...], options: frozenset[str]) -> tuple[tuple[str, ...],
                                                                          tuple[str, ...]]:
        """``(subcommand words and options matched, effects)`` of a run with these leading
        positional words (literal ones; a word known only at run time stops the match) and
        options: ``(("push", "--force"), ("network",))``."""
        matched: tuple[str, ...] = ()
        found = self.every
        for size in range(min(len(words), _MAX_SUBCOMMAND), 0, -1):
            effects = self.subcommands.get(" ".join(words[:size]))
            if effects is not None:
                matched, found = words[:size], effects
                break
        added: list[str] = []
        named: list[str] = []
        acted: list[str] = []
        if self.options or self.actions:
            prefixes = [" ".join(words[:size]) + " " for size in range(
                1, min(len(words), _MAX_SUBCOMMAND) + 1)]
            for option in sorted(options):
                for key in (option, *(p + option for p in prefixes)):
                    if key in self.options:
                        added.extend(self.options[key])
                        named.append(option)
                    if key in self.actions:
                        acted.extend(self.actions[key])
                        named.append(option)
        if acted:  # `rebase --abort`: what the action does, not what a rebase does
            found, added = (), acted
        return (*matched, *dict.fromkeys(named)), tuple(dict.fromkeys((*found, *added)))

    def of_goals(self, goals: tuple[str, ...], options: frozenset[str], abbreviated: bool
                 ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """A build tool's run of several goals in turn (``mvn clean deploy``): every goal's
        effects; nothing at all when a goal is one the table does not describe, so that the
        goals it knows do not pass for the whole run. With ``abbreviated``, a goal that is
        no entry stands for every entry it begins (gradle's ``pub``)."""
        found: list[str] = []
        for goal in goals:
            effects = self.of((goal,), options)[1]
            if abbreviated and goal not in self.subcommands:
                effects = tuple(e for key, value in self.subcommands.items()
                                if key.startswith(goal) for e in value) or effects
            if not effects:
                return (), ()
            found.extend(effects)
        return goals, tuple(dict.fromkeys(found))


_MAX_SUBCOMMAND = 3


class Manifests(NamedTuple):
    """Files in a directory that a networked program obeys as code (``manifests:``).

    ``manifest`` (``package.json``) holds scripts an install runs: the ``lifecycle`` ones,
    unless one of ``no_scripts`` is given; its ``workspaces`` keys, and a ``dependencies``
    entry whose spec starts with one of ``local_specs``, name packages in the tree, whose
    scripts run too. ``code_files`` run code whatever the manifest says; ``settings`` and
    ``locks`` are obeyed, so another part of the command must not write them; with
    ``registry``, a lock file resolving a package from elsewhere is judged by ``packages:``.
    ``nested_repository``: a repository nested in the tree runs what its config names.
    ``project_tables``: the tables of a TOML manifest (``pyproject.toml``) whose presence
    means the install builds the project itself, running its build backend and hooks
    (``build-system``); a dotted name is a table inside another (``tool.poetry``).
    ``subcommands``: the installs that obey the manifest (``uv sync``, not ``uv pip
    install``); none: every install of the program.
    """

    manifest: str | None = None
    lifecycle: frozenset[str] = frozenset()
    no_scripts: frozenset[str] = frozenset()
    workspaces: tuple[str, ...] = ()
    dependencies: tuple[str, ...] = ()
    local_specs: tuple[str, ...] = ()
    code_files: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    locks: tuple[str, ...] = ()  # in the order the program looks for them; it obeys the first
    registry: str | None = None
    nested_repository: bool = False
    project_tables: tuple[str, ...] = ()
    subcommands: tuple[str, ...] = ()  # the installs that obey the manifest; none: every one
    # lock files read as text (yarn.lock, pnpm-lock.yaml, uv.lock): each address in the
    # first one there must start with one of ``registries``; one of ``local_markers`` in it
    # is a package of the tree's, whose build or install scripts run
    text_locks: tuple[str, ...] = ()
    registries: tuple[str, ...] = ()
    local_markers: tuple[str, ...] = ()
    toml_locks: tuple[str, ...] = ()  # of the text locks, those read as TOML (uv.lock)


@lru_cache(maxsize=1024)
def _unknown(program: str) -> ProgramSpec:
    """The spec of a program the knowledge does not describe: its name alone (built once:
    a spec is an immutable value, and analysis asks for one many times per command)."""
    return ProgramSpec(program)


class BoxNote(NamedTuple):
    """What a program goes without in the box (``in_the_box:``), said after a run of it
    there: after a failed run (docker cannot reach its engine), or ``always`` (ps lists
    only the box's own processes and says nothing of the others)."""

    text: str
    always: bool = False


class Knowledge(NamedTuple):
    programs: Mapping[str, ProgramSpec]  # a cached policy's is decoded entry by entry
    environment: frozenset[str]
    environment_prefixes: tuple[str, ...]
    special_paths: dict[str, str]
    files: tuple[str, ...]
    installers: tuple[Installer, ...] = ()
    effects: Mapping[str, ProgramEffects] = MappingProxyType({})
    manifests: Mapping[str, Manifests] = MappingProxyType({})  # by the program's file name
    secrets: tuple[str, ...] = ()  # name parts of variables that hold secrets (API_KEY)
    plain: tuple[str, ...] = ()  # variables that keep a networked part's network (LANG, LC_*)
    # per program, the secret variables a box with the network keeps for it (GH_TOKEN for
    # gh; NPM_* a prefix; ~/.npmrc: each variable the operator's file names)
    credentials: Mapping[str, tuple[str, ...]] = MappingProxyType({})
    box_notes: Mapping[str, BoxNote] = MappingProxyType({})  # by the program's file name
    # variables whose value lists directories a program loads code from (PYTHONPATH): set
    # for one command, each entry is judged as code it runs from there
    code_paths: frozenset[str] = frozenset()
    # variables of ``environment`` whose value, when one of these regular expressions matches
    # it whole, changes nothing a program runs or loads (NODE_OPTIONS=--max-old-space-size=N)
    values: Mapping[str, tuple[str, ...]] = MappingProxyType({})
    # directories of build output (``outputs:``): a tool's caches, anywhere; a build's
    # output, where a .gitignore lists it (``core.outputs``)
    output_caches: tuple[str, ...] = ()
    output_built: tuple[str, ...] = ()
    # directories of the tree where package managers put their packages' tools
    # (``node_modules/.bin``): a tool there runs the tree's code whatever its name
    package_bins: tuple[str, ...] = ()

    def spec(self, program: str) -> ProgramSpec:
        return self.programs.get(program) or _unknown(program)

    def secret_variable(self, name: str) -> bool:
        """Whether a variable's name says it holds a secret: one of ``secrets`` as whole
        ``_``-separated parts of it (``GITHUB_TOKEN``, ``OPENAI_API_KEY``; not
        ``TOKENIZERS_PARALLELISM``)."""
        return secret_name(name, self.secrets)

    def plain_variable(self, name: str) -> bool:
        """Whether a variable set for a networked part leaves where it connects, what it
        trusts and what it loads as they were (``environment.plain``; ``LC_*`` a prefix)."""
        return any(name == p or (p.endswith("*") and name.startswith(p[:-1]))
                   for p in self.plain)

    def risky_variable(self, name: str) -> bool:
        name = name.split("[", 1)[0]  # BASH_CMDS[ls]=...: an element of the variable
        return name in self.environment or name.upper().startswith(
            tuple(prefix.upper() for prefix in self.environment_prefixes))


def named_as(name: str, known: tuple[str, ...]) -> bool:
    """``name`` is one of ``known``: a name, or ``*suffix`` / ``prefix*``."""
    return any(name == k or (k.startswith("*") and name.endswith(k[1:]))
               or (k.endswith("*") and name.startswith(k[:-1])) for k in known)


def abbreviates_long(name: str, options: frozenset[str]) -> bool:
    """Whether ``name`` may be one of the long ``options`` abbreviated, as getopt_long
    takes any unambiguous start of one (`date --fil=e` is `date --file=e`)."""
    return name.startswith("--") and len(name) > 2 \
        and any(o.startswith(name) for o in options if o.startswith("--"))
