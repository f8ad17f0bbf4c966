"""The places a variable's value names, as the programs that read it would find them.

A box with the network for programs of none of the tree's goes without a variable that
names a place a box writes (``bwrap.written_named``), and git's settings that do are asked
about (``boundary.GIT_RUNS``). Reading a value can never be complete; these lists and rules
err towards naming a place. Only the standard library: the fast path builds boxes with this.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # not typing's: the fast path imports this module
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

# Variables whose value is a path, or a list of them (`:` between): a relative one is the
# program's working directory's, a bare name too (`npm_config_userconfig=ci.npmrc`). npm's
# are read whatever their case.
PATH_VALUED = frozenset(name.lower() for name in (
    "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_TEMPLATE_DIR", "GIT_DIR", "GIT_WORK_TREE",
    "GIT_COMMON_DIR", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES", "XDG_CONFIG_HOME", "XDG_CONFIG_DIRS", "XDG_DATA_HOME",
    "npm_config_userconfig", "npm_config_globalconfig", "npm_config_pnpmfile",
    "npm_config_global_pnpmfile", "npm_config_prefix", "npm_config_node_gyp",
    "npm_config_cafile", "YARN_CONFIG", "YARN_RC_FILENAME", "YARN_YARN_PATH",
    "YARN_GLOBAL_FOLDER", "UV_CONFIG_FILE", "UV_PROJECT_ENVIRONMENT", "UV_PYTHON_INSTALL_DIR",
    "UV_TOOL_DIR", "UV_TOOL_BIN_DIR", "VIRTUAL_ENV", "PIP_CONFIG_FILE", "GOENV", "GOROOT",
    "CARGO_HOME", "RUSTUP_HOME", "BUNDLE_GEMFILE", "GEM_HOME", "GEM_PATH", "BUN_INSTALL",
    "GH_CONFIG_DIR", "DOCKER_CONFIG", "KUBECONFIG", "GNUPGHOME", "NODE_EXTRA_CA_CERTS",
    "SSL_CERT_FILE", "SSL_CERT_DIR", "GIT_SSL_CAINFO", "REQUESTS_CA_BUNDLE",
    "CURL_CA_BUNDLE", "NETRC", "CURL_HOME", "WGETRC"))
# Variables whose value is a program, or a command line a program runs: every word but the
# program's name (looked up on the box's PATH) and options is read as a path (`ssh -F
# ssh_config`, `sh ssh.sh`), and an option's `=` value that looks like one; one the shell
# would expand further (`$(...)`, a backquote, `${NAME:-x}`) is taken to name one.
COMMAND_VALUED = frozenset(name.lower() for name in (
    "GIT_SSH_COMMAND", "GIT_SSH", "GIT_ASKPASS", "SSH_ASKPASS", "GIT_PROXY_COMMAND",
    "GIT_EXTERNAL_DIFF", "GIT_EDITOR", "GIT_SEQUENCE_EDITOR", "GIT_PAGER", "EDITOR", "VISUAL",
    "PAGER", "SHELL", "CONFIG_SHELL", "GOFLAGS", "RUSTC", "RUSTC_WRAPPER",
    "CARGO_BUILD_RUSTC", "npm_config_git", "npm_config_shell", "npm_config_script_shell",
    "GIT_CONFIG_PARAMETERS"))  # `git -c` settings: any word of them read as a path
# Variables that are lists of hosts or module paths, never places: a leading `.` is a
# domain's suffix (`no_proxy=.corp.example.com`), `a/b` a module path (`GOPRIVATE`).
HOST_LISTS = frozenset(name.lower() for name in (
    "no_proxy", "npm_config_noproxy", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GONOSUMCHECK",
    "GOINSECURE", "GOPROXY", "GOSUMDB", "GH_REPO", "GH_HOST", "GITHUB_REPOSITORY",
    "http_proxy", "https_proxy", "all_proxy", "ftp_proxy", "npm_config_proxy",
    "npm_config_https_proxy"))  # but a `file:` entry (GOPROXY=file:///x) is a place
# Where one value holds several words: a command line, a list, an option's `=`, git's `!`
# before a helper's command line.
_BETWEEN = (":", "=", ",", ";", "'", '"', "(", ")", "!", "<", ">", "|", "&", "@", "`")
_NAME = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_GOES_ON = _NAME | {".", "-"}  # what a name goes on with, after a place it starts with
_ENDS = ('"', "'", ":", ";", ",", "|", "&", "\n", "`", "(", ")")  # where a mentioned path ends


def kind(name: str) -> str:
    """``path``, ``command``, ``hosts`` or ``""`` (a variable nothing is known of)."""
    lowered = name.lower()
    return "path" if lowered in PATH_VALUED else "command" if lowered in COMMAND_VALUED \
        else "hosts" if lowered in HOST_LISTS else ""


def expanded(value: str, env: Mapping[str, str], home: str) -> str:
    """``value`` with what a shell, or the program itself, expands in it put in: ``$NAME``,
    ``${NAME}`` (from ``env``: ``PWD`` is the working directory) and a ``~`` or ``~user``
    that starts a word (npm's path settings, a command line sh runs). One not set is empty,
    as it is where the value is used (``env`` is that environment); other forms
    (``${NAME:-x}``, ``$(...)``, ``$1``) are left as they are (``unexpanded``)."""
    out: list[str] = []
    at = 0
    while at < len(value):
        char = value[at]
        if char == "$":
            braced = value.startswith("{", at + 1)
            start = at + 2 if braced else at + 1
            end = start
            while end < len(value) and value[end] in _NAME:
                end += 1
            name = value[start:end]
            closed = not braced or value.startswith("}", end)
            if name and closed and not name[0].isdigit():
                out.append(env.get(name, ""))  # one not set is empty there too
                at = end + 1 if braced else end
                continue
        elif char == "~" and (at == 0 or value[at - 1] in " \t=:"):
            end = at + 1
            while end < len(value) and value[end] in _GOES_ON:
                end += 1
            if end == at + 1 and home:
                out.append(home)
                at = end
                continue
            other = os.path.expanduser(value[at:end])  # ~alice: her home, when she has one
            if not other.startswith("~"):
                out.append(other)
                at = end
                continue
        out.append(char)
        at += 1
    return "".join(out)


def value_places(value: str, cwds: Sequence[str], how: str = "") -> list[str]:
    """The paths ``value`` names, absolute, read as a variable of kind ``how`` is (relative
    ones: in each of ``cwds``). A ``path`` one: each ``:`` entry. A ``command`` one: its
    program's name with a ``/``, each word but options, and what follows an option's ``=``
    or ``/`` (``-F/x``) as other values' words are read. A ``setting`` (a git setting's
    command line: ``gh auth git-credential``) as a ``command``, but a bare word only when it
    is in one of ``cwds``. Other values: each word (between blanks and ``_BETWEEN``) that
    starts with ``/`` or ``.``, the part of each from its first ``/``, and one with a ``/``
    whose first name is in one of ``cwds``; a bare word is a value, never a file. A URL
    names a place on another machine, none; a ``file:`` URL's path is itself. A ``hosts``
    one names only its ``file:`` entries."""
    if how == "hosts":
        return [place for word in value.replace(",", " ").replace("|", " ").split()
                if word.lower().startswith("file:")
                for place in value_places(word, cwds)]
    if how == "path":
        return [place for entry in value.split(":") if entry
                for place in _relative(entry, cwds, True)]
    value = " ".join(word for word in value.split()
                     if "://" not in word or word.lower().startswith("file:"))
    if how in ("command", "setting"):
        places = []
        for number, word in enumerate(value.replace('"', " ").replace("'", " ").split()):
            if word.startswith("-") or (number and "=" in word):
                places += value_places(word.lstrip("-"), cwds)  # its value, its `/x`
            elif number or "/" in word:
                places += _relative(word, cwds, "/" in word or (
                    how == "command" and not word.isdigit()), how == "setting")
        return places
    for mark in _BETWEEN:
        value = value.replace(mark, " ")
    places = []
    for word in value.split():
        if not word.startswith("/") and "/" in word:
            places.append(word[word.index("/"):])
        if word.startswith(("/", ".")) or "/" in word:  # a bare word: a value, not a file
            places += _relative(word, cwds, word.startswith("."))
    return places


def _relative(word: str, cwds: Sequence[str], always: bool, files: bool = False) -> list[str]:
    """``word`` as a path: itself when absolute; else in each of ``cwds``, when ``always``
    or its first name is there now (with ``files``: a file of that name, not a directory:
    `gh auth git-credential` beside an `auth/` names no file)."""
    if word.startswith("/"):
        return [word]
    first = word.split("/")[0]
    if always or any((os.path.isfile if files else os.path.lexists)(os.path.join(cwd, first))
                     for cwd in cwds):
        return [os.path.join(cwd, word) for cwd in cwds]
    return []


def mentioned(value: str, places: Sequence[str]) -> list[str]:
    """Where ``value`` holds one of ``places`` anywhere (a blank in it, an option stuck to
    it, a ``file://localhost`` URL), or does once its ``%`` escapes are decoded, followed by
    ``/``, its end or a character no name goes on with: the path from there to the next
    quote or list separator (blanks kept: they may be the place's own)."""
    texts = [value]
    if "%" in value:
        from urllib.parse import unquote

        texts.append(unquote(value))
    found = []
    for text in texts:
        for place in places:
            at = text.find(place)
            while at >= 0:
                end = at + len(place)
                if end == len(text) or text[end] == "/" or text[end] not in _GOES_ON:
                    rest = text[at:]
                    cut = min((rest.find(mark) for mark in _ENDS if mark in rest),
                              default=len(rest))
                    found.append(rest[:cut].rstrip())
                at = text.find(place, at + 1)
    return found


def unexpanded(value: str) -> bool:
    """Whether a shell running ``value`` would still expand something in it."""
    return "$" in value or "`" in value
