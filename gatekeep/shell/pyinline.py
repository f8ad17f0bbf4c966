"""Python code given inline (`python -c CODE`), read in full or not at all.

A one-liner that only computes, prints and reads the files it names literally
(`python -c 'import json; print(json.load(open("package.json"))["version"])'`) is read as
such: :func:`read` gives the files it opens. Anything else gives the reason it is not read,
and the run is asked as inline code gatekeep cannot read.

Everything the code names is on a list, never off one: Python reaches objects through
strings (`str.format`, `functools.update_wrapper`, `type(name, bases, dict)`), so a list
of what is refused cannot be complete. What is read:

- statements and expressions of a small grammar (no function or class definitions, no
  ``try``, ``global``, ``del``), and no string holding ``__``;
- names the code binds itself (assignments, loops, comprehensions, lambdas) that no
  built-in of Python 3 or 2 has (``SHADOWED``: a binding that never runs leaves it), and
  the built-ins in ``BUILTINS``; ``open`` called with a literal path and a mode that reads;
- imports of the modules in ``MODULES``, each name an import binds used only to take one of
  the attributes listed for its module (``json.loads``), never bound again;
- any other attribute only by a name in ``ATTRIBUTES`` (methods and fields of strings,
  lists, dicts, files opened to read, dates, matches, counters), and never assigned.
"""

from __future__ import annotations

import ast
import builtins


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


BUILTINS = frozenset({
    "print", "len", "sorted", "sum", "min", "max", "list", "dict", "set", "frozenset",
    "tuple", "str", "int", "float", "bool", "repr", "round", "abs", "range", "enumerate",
    "zip", "map", "filter", "any", "all", "isinstance", "reversed", "divmod", "pow", "hex",
    "oct", "bin", "chr", "ord", "bytes", "True", "False", "None", "ValueError", "KeyError",
    "Exception",
})
# names a built-in holds in Python 3 or 2 (`file`, `execfile`): never read as the code's own,
# even where it binds them, since a binding that never runs leaves the built-in
SHADOWED = frozenset(name for name in dir(builtins) if name not in BUILTINS) | _words(
    "file execfile reload raw_input unicode long xrange basestring apply buffer coerce "
    "intern cmp unichr")
MODULES: dict[str, frozenset[str]] = {name: _words(attributes) for name, attributes in {
    "json": "load loads dump dumps JSONDecodeError",
    "csv": "reader writer DictReader DictWriter QUOTE_ALL QUOTE_MINIMAL QUOTE_NONE",
    "re": "findall finditer search match fullmatch sub subn split compile escape I IGNORECASE "
          "M MULTILINE S DOTALL X VERBOSE A ASCII",
    "math": "pi e tau inf nan sqrt floor ceil log log2 log10 exp pow fabs isclose isnan isinf "
            "gcd lcm factorial comb perm prod fsum hypot sin cos tan atan2 degrees radians trunc",
    "statistics": "mean median mode stdev pstdev variance pvariance quantiles harmonic_mean "
                  "geometric_mean median_low median_high",
    "collections": "Counter defaultdict OrderedDict deque",
    "itertools": "islice chain groupby count cycle repeat product permutations combinations "
                 "accumulate zip_longest starmap takewhile dropwhile compress pairwise",
    "datetime": "datetime date time timedelta timezone",
    "time": "time sleep strftime localtime gmtime perf_counter monotonic time_ns",
    "hashlib": "md5 sha1 sha224 sha256 sha384 sha512 blake2b blake2s sha3_256 sha3_512",
    "base64": "b64encode b64decode urlsafe_b64encode urlsafe_b64decode b32encode b32decode "
              "b16encode b16decode",
    "tomllib": "load loads",
    "textwrap": "dedent indent wrap fill shorten",
    "heapq": "heappush heappop heapify nlargest nsmallest",
    "bisect": "bisect bisect_left bisect_right insort",
    "unicodedata": "name category normalize lookup",
    "difflib": "unified_diff ndiff context_diff get_close_matches SequenceMatcher",
    "pprint": "pprint pformat",
    "html": "escape unescape",
    "fnmatch": "fnmatch fnmatchcase",
    "ipaddress": "ip_address ip_network ip_interface",
    "struct": "pack unpack calcsize",
    "zlib": "compress decompress crc32 adler32",
    "binascii": "hexlify unhexlify crc32",
    "calendar": "monthrange isleap month_name day_name weekday",
    "decimal": "Decimal",
    "fractions": "Fraction",
    "shlex": "split quote join",
    "functools": "reduce",
    # the syntax tree of code it reads, never compiled or run
    "ast": "parse literal_eval walk dump get_docstring iter_child_nodes unparse FunctionDef "
           "AsyncFunctionDef ClassDef Import ImportFrom Call Name Assign Constant Attribute "
           "Module Expr Return If For While With Try",
    # PyYAML's safe loader builds only plain data (not `load`, whose loaders make objects)
    "yaml": "safe_load safe_load_all safe_dump YAMLError",
    "sys": "version version_info platform executable argv maxsize byteorder stdin stdout "
           "stderr exit getrecursionlimit getsizeof float_info int_info hexversion "
           "getdefaultencoding getfilesystemencoding",
}.items()}
ATTRIBUTES = _words("""
    read readline readlines write flush keys values items get split rsplit splitlines strip
    lstrip rstrip join lower upper title capitalize casefold startswith endswith replace count
    index find rfind partition rpartition isdigit isalpha isalnum isspace isupper islower
    zfill ljust rjust center encode decode expandtabs removeprefix removesuffix append extend
    insert pop remove sort reverse update setdefault most_common elements total isoformat
    strftime date now today utcnow fromisoformat fromtimestamp timestamp total_seconds days
    seconds microseconds year month day hour minute second weekday isoweekday hexdigest
    digest group groups groupdict span start end real imag numerator denominator
    is_integer hex name buffer writerow writerows writeheader findall finditer search match
    fullmatch sub subn ratio
    body lineno end_lineno col_offset names module id args targets decorator_list bases
    returns level asname func attr elts keywords arg
""")
_READ_MODES = frozenset("rbt")
_NODES = (
    ast.Module, ast.Expr, ast.Assign, ast.AugAssign, ast.Name, ast.Constant, ast.Attribute,
    ast.Subscript, ast.Slice, ast.Starred, ast.Call, ast.keyword, ast.Tuple, ast.List,
    ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp,
    ast.comprehension, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.IfExp,
    ast.JoinedStr, ast.FormattedValue, ast.For, ast.If, ast.While, ast.Break, ast.Continue,
    ast.Pass, ast.With, ast.withitem, ast.Import, ast.ImportFrom, ast.alias, ast.Lambda,
    ast.arguments, ast.arg, ast.NamedExpr, ast.expr_context, ast.operator, ast.unaryop,
    ast.boolop, ast.cmpop,
)


class Reading:
    """Code read in full: the paths it opens, the files and directories whose code it may
    run, relative to the working directory, and the files that must be plain files now,
    reached through no link (Node's `require('./x.json')`: a directory or a link there is
    code Node would load in its place)."""

    __slots__ = ("code", "opened", "plain")

    def __init__(self, opened: tuple[str, ...], code: tuple[str, ...],
                 plain: tuple[str, ...] = ()) -> None:
        self.opened, self.code, self.plain = opened, code, plain


def read(code: str) -> Reading | str:
    """The code read in full, or why it is not (the first thing it does that is not read)."""
    try:
        tree = ast.parse(code, mode="exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return "it is not Python that gatekeep can parse"
    nodes = list(ast.walk(tree))
    modules: dict[str, str] = {}  # the names imports bind -> the module each names
    imported: dict[str, str] = {}  # names `from M import a` binds -> M
    for node in nodes:
        why = _imported(node, modules, imported) if isinstance(
            node, ast.Import | ast.ImportFrom) else ""
        if why:
            return why
    bound = {n.id for n in nodes if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    bound |= {n.arg for n in nodes if isinstance(n, ast.arg)}
    bases = {id(n.value) for n in nodes if isinstance(n, ast.Attribute)}
    called = {id(n.func) for n in nodes if isinstance(n, ast.Call)}
    opened: list[str] = []
    for node in nodes:
        why = _node(node, modules, imported, bound, bases, called, opened)
        if why:
            return why
    # what it imports is found in the working directory first (`json.py`, `json/`)
    imports = dict.fromkeys([*modules.values(), *imported.values()])
    return Reading(tuple(opened), (*(f for m in imports for f in (f"{m}.py", m)), "."))


def _imported(node: ast.Import | ast.ImportFrom, modules: dict[str, str],
              imported: dict[str, str]) -> str:
    if isinstance(node, ast.ImportFrom):
        listed = MODULES.get(node.module or "") if not node.level else None
        for alias in node.names:
            if listed is None or alias.name not in listed:
                return f"it imports {alias.name} from {'.' * node.level}{node.module or ''}"
            imported[alias.asname or alias.name] = node.module or ""
        return ""
    for alias in node.names:
        if alias.name not in MODULES:
            return f"it imports {alias.name}"
        modules[alias.asname or alias.name] = alias.name
    return ""


def _node(node: ast.AST, modules: dict[str, str], imported: dict[str, str], bound: set[str],
          bases: set[int], called: set[int], opened: list[str]) -> str:
    """Why the node is not read ("": it is)."""
    if not isinstance(node, _NODES):
        return f"it uses {type(node).__name__}, which gatekeep does not read"
    if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes) \
            and ("__" in node.value if isinstance(node.value, str) else b"__" in node.value):
        return "it holds a string with __"
    if isinstance(node, ast.Name):
        return _name(node, modules, imported, bound, bases, called)
    if isinstance(node, ast.arg | ast.alias):
        name = node.arg if isinstance(node, ast.arg) else (node.asname or "")
        if name.startswith("_") or name in modules or name in imported:
            return f"it binds {name}"
    elif isinstance(node, ast.Attribute):
        if not isinstance(node.ctx, ast.Load):
            return f"it assigns the attribute {node.attr}"
        base = node.value
        if isinstance(base, ast.Name) and base.id in modules:
            if node.attr not in MODULES[modules[base.id]]:
                return f"it takes {modules[base.id]}.{node.attr}"
        elif node.attr not in ATTRIBUTES:
            return f"it takes the attribute {node.attr}"
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
            and node.func.id == "open" and "open" not in bound:
        path = _opened(node)
        if path is None:
            return "it opens a file it does not name, or to write"
        opened.append(path)
    return ""


def _name(node: ast.Name, modules: dict[str, str], imported: dict[str, str], bound: set[str],
          bases: set[int], called: set[int]) -> str:
    name = node.id
    if name.startswith("_"):
        return f"it names {name}"
    if name in modules or name in imported:
        if not isinstance(node.ctx, ast.Load):
            return f"it binds {name} again"
        if name in modules and id(node) not in bases:
            return f"it uses the module {name} as a value"
        return ""
    if name == "open":
        return "" if id(node) in called and name not in bound else "it uses open as a value"
    if name in SHADOWED:
        return f"it names {name}"
    if name in bound or name in BUILTINS:
        return ""
    return f"it names {name}, which it does not define"


def _opened(call: ast.Call) -> str | None:
    """The literal path an ``open`` call reads, or None (a mode that writes, an opener)."""
    args = list(call.args)
    keywords = {k.arg: k.value for k in call.keywords}
    if None in keywords or any(isinstance(a, ast.Starred) for a in args) or not args \
            or len(args) > 2 or not set(keywords) <= {"mode", "encoding", "errors"}:
        return None
    mode = args[1] if len(args) == 2 else keywords.get("mode")
    if mode is not None and not (isinstance(mode, ast.Constant) and isinstance(mode.value, str)
                                 and set(mode.value) <= _READ_MODES):
        return None
    path = args[0]
    if not isinstance(path, ast.Constant) or not isinstance(path.value, str) \
            or not path.value or "\0" in path.value:
        return None
    return path.value
