"""Python code given inline (`python -c CODE`), read in full or not at all.

A one-liner that only computes, prints and reads the files it names literally
(`python -c 'import json; print(json.load(open("package.json"))["version"])'`) is read as
such: :func:`read` gives the files it opens. Anything else gives the reason it is not read,
and the run is asked as inline code gatekeep cannot read.

What is read: statements and expressions of a small grammar (no function or class
definitions, no ``try``, ``global``, ``del``); names and attributes that do not start with
``_`` (no way to the interpreter's internals); imports of the modules in ``MODULES`` only,
each named only to take one of its attributes (``json.load``), never one that is itself a
module (``datetime.sys``); no name an import binds is bound again; ``open`` only with a
literal path and a mode that reads; none of the built-ins in ``REFUSED``, which run code
given as text, reach objects by name, or start a pager or a debugger. ``sys`` only for the
attributes in ``SYS``.
"""

from __future__ import annotations

import ast
import importlib
import types

# modules that compute, parse text or describe the interpreter: none of them opens a file
# by name, runs a program or code given as text, or reaches another object by a name in a
# string (`operator.attrgetter`, `string.Formatter`, `pickle` are not here)
MODULES = frozenset({
    "json", "csv", "re", "math", "cmath", "statistics", "collections", "itertools",
    "functools", "heapq", "bisect", "datetime", "time", "calendar", "decimal", "fractions",
    "random", "textwrap", "unicodedata", "difflib", "pprint", "hashlib", "base64", "binascii",
    "zlib", "struct", "tomllib", "html", "copy", "keyword", "fnmatch", "ipaddress", "shlex",
    "sys",
})
SYS = frozenset({
    "version", "version_info", "platform", "executable", "argv", "maxsize", "byteorder",
    "stdin", "stdout", "stderr", "exit", "getrecursionlimit", "getsizeof", "float_info",
    "int_info", "implementation", "prefix", "base_prefix", "hexversion", "flags",
    "getdefaultencoding", "getfilesystemencoding",
})
REFUSED = frozenset({
    "eval", "exec", "compile", "getattr", "setattr", "delattr", "globals", "locals", "vars",
    "input", "breakpoint", "help", "license", "credits", "copyright", "memoryview",
})
# attributes of frames, generators, coroutines, tracebacks and code: the way to globals
_INTERNAL = ("f_", "gi_", "cr_", "ag_", "tb_", "co_")
_READ_MODES = frozenset("rbt")
_NODES = (
    ast.Module, ast.Expr, ast.Assign, ast.AugAssign, ast.Name, ast.Constant, ast.Attribute,
    ast.Subscript, ast.Slice, ast.Starred, ast.Call, ast.keyword, ast.Tuple, ast.List,
    ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
    ast.comprehension, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp,
    ast.JoinedStr, ast.FormattedValue, ast.For, ast.If, ast.While, ast.Break, ast.Continue,
    ast.Pass, ast.With, ast.withitem, ast.Import, ast.ImportFrom, ast.alias, ast.Lambda,
    ast.arguments, ast.arg, ast.NamedExpr, ast.Assert, ast.expr_context, ast.operator,
    ast.unaryop, ast.boolop, ast.cmpop,
)


class Reading:
    """Code read in full: the paths it opens, as written."""

    __slots__ = ("opened",)

    def __init__(self, opened: tuple[str, ...]) -> None:
        self.opened = opened


def read(code: str) -> Reading | str:
    """The code read in full, or why it is not (the first thing it does that is not read)."""
    try:
        tree = ast.parse(code, mode="exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return "it is not Python that gatekeep can parse"
    modules: dict[str, str] = {}  # the names imports bind -> the module each names
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            why = _imported(node, modules)
            if why:
                return why
    nodes = list(ast.walk(tree))
    attribute_bases = {id(n.value) for n in nodes if isinstance(n, ast.Attribute)}
    called = {id(n.func) for n in nodes if isinstance(n, ast.Call)}
    opened: list[str] = []
    for node in nodes:
        why = _node(node, modules, attribute_bases | called, opened)
        if why:
            return why
    return Reading(tuple(opened))


def _imported(node: ast.Import | ast.ImportFrom, modules: dict[str, str]) -> str:
    if isinstance(node, ast.ImportFrom):
        if node.level or node.module not in MODULES:
            return f"it imports from {node.module or '.'}"
        for alias in node.names:
            if alias.name == "*" or alias.name.startswith("_") \
                    or _is_module(node.module, alias.name) \
                    or (node.module == "sys" and alias.name not in SYS):
                return f"it imports {alias.name} from {node.module}"
        return ""
    for alias in node.names:
        if alias.name not in MODULES:
            return f"it imports {alias.name}"
        modules[alias.asname or alias.name] = alias.name
    return ""


def _node(node: ast.AST, modules: dict[str, str], bases: set[int], opened: list[str]) -> str:
    """Why the node is not read ("": it is); ``bases``: the nodes that are an attribute's
    base or a call's function."""
    if not isinstance(node, _NODES):
        return f"it uses {type(node).__name__}, which gatekeep does not read"
    if isinstance(node, ast.Name):
        if node.id.startswith("_") or node.id in REFUSED:
            return f"it names {node.id}"
        if node.id in modules and not isinstance(node.ctx, ast.Load):
            return f"it binds {node.id} again"
        if (node.id in modules or node.id == "open") and id(node) not in bases:
            return f"it uses {node.id} as a value"
    elif isinstance(node, ast.arg) and (node.arg.startswith("_") or node.arg in modules):
        return f"it binds {node.arg}"
    elif isinstance(node, ast.alias) and node.asname is not None \
            and node.asname.startswith("_"):
        return f"it binds {node.asname}"
    elif isinstance(node, ast.Attribute):
        name = node.attr
        if name.startswith(("_", *_INTERNAL)) or name in REFUSED:
            return f"it takes the attribute {name}"
        base = node.value
        if isinstance(base, ast.Name) and base.id in modules:
            module = modules[base.id]
            if (module == "sys" and name not in SYS) or _is_module(module, name):
                return f"it takes {module}.{name}"
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id == "open":
        path = _opened(node)
        if path is None:
            return "it opens a file it does not name, or to write"
        opened.append(path)
    return ""


def _opened(call: ast.Call) -> str | None:
    """The literal path an ``open`` call reads, or None (a mode that writes, an opener)."""
    args = list(call.args)
    keywords = {k.arg: k.value for k in call.keywords}
    if None in keywords or any(isinstance(a, ast.Starred) for a in args) \
            or not args or len(args) > 2 or "opener" in keywords or "file" in keywords:
        return None
    mode = args[1] if len(args) == 2 else keywords.get("mode")
    if mode is not None and not (isinstance(mode, ast.Constant) and isinstance(mode.value, str)
                                 and set(mode.value) <= _READ_MODES):
        return None
    path = args[0]
    if not isinstance(path, ast.Constant) or not isinstance(path.value, str) or not path.value:
        return None
    return path.value


def _is_module(module: str, name: str) -> bool:
    """Whether ``module.name`` is a module (``datetime.sys``), or may be: what this
    interpreter's copy of the module does not have counts as one."""
    try:
        found = getattr(importlib.import_module(module), name, types)
    except ImportError:
        return True
    return isinstance(found, types.ModuleType)
