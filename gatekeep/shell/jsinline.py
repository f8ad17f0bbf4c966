"""JavaScript code given inline (`node -e CODE`, `node -p CODE`), read in full or not at all.

A one-liner that only computes, prints and reads the files it names literally
(`node -p "require('./package.json').version"`) is read as such: :func:`read` gives the
files it reads and those whose code Node may load for them. Anything else gives the reason
it is not read, and the run is asked as inline code gatekeep cannot read.

It is parsed with tree-sitter's JavaScript grammar, then held to lists:

- one line of plain tokens: no comment (`<!--` is one to Node), no escape in a name
  (`\\u0063onstructor`), nothing between tokens but spaces and tabs, no regular expression
  or division right after a ``}``, so that Node reads the same statements gatekeep read;
- a small grammar (``NODES``): expressions, `const` and `let`, arrow functions, `if`,
  `for`; no `function`, `class`, `this`, `var`, `import`, getters, `delete`, `try`;
- names the code binds itself, scope by scope, and the globals listed here: values
  (``VALUES``), functions (``FUNCTIONS``), constructors after `new` (``CONSTRUCTORS``), and
  namespaces (``GLOBALS``) used only to take one of the members listed for each, never as a
  value (`Object.getPrototypeOf` is not listed, nor is `process.env`);
- `require` called only with a literal: a module of ``MODULES`` (`fs`, `path`, `os`,
  `crypto`, `util`), bound by `const` or used at once, and held to its members as a
  namespace is; or a path to a `.json` file, which is read and must be a plain file now
  (``Reading.plain``: a directory runs its `main`, a link is loaded by its target's name);
  what Node would load in its place is judged as code it runs, for a part that writes it;
- the members that read files (``READERS``: `fs.readFileSync`) only called at once, with a
  literal path (or 0, the input) and literal options that only read;
- any other member by any name but those that reach past data (``HIDDEN``: `constructor`,
  `prototype`, `caller`, ...) and those that start with ``_`` (`__proto__`); a member named
  at run time (`o[k]`) is not read; a member is never assigned.

The values the code can reach are data (JSON, strings, numbers, arrays, dates, maps) and
functions that compute: with no constructor and no namespace as a value, no member of
theirs leads to `Function`, `process` or a module.

Node 22.18 and later read code V8 refuses as TypeScript, where `f<(a, a) => 1>(x)` is
`f(x)` (red teams 93, 94). So the early errors V8 would refuse are not read (a name bound
twice, reserved names, an arrow as an operand, `const` with no value, a rest element not
last, regular expression flags), nor is a token starting with `<` followed later by one
closing TypeScript's type arguments (`>`, `>>`, `>>>`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from gatekeep.shell.pyinline import Reading, _words

TYPE_CHECKING = False  # not typing's: importing typing costs check and run start-up time
if TYPE_CHECKING:
    from tree_sitter import Node, Parser

VALUES = _words("undefined NaN Infinity")
FUNCTIONS = _words("""
    String Number Boolean parseInt parseFloat isNaN isFinite encodeURIComponent
    decodeURIComponent encodeURI decodeURI
""")
CONSTRUCTORS = _words("Date Set Map RegExp Array Error URL URLSearchParams")
GLOBALS: dict[str, frozenset[str]] = {name: _words(members) for name, members in {
    "console": "log error warn info debug table dir",
    "JSON": "parse stringify",
    "Math": "abs ceil floor round trunc sign max min pow sqrt cbrt exp log log2 log10 random "
            "PI E hypot sin cos tan atan atan2",
    "Object": "keys values entries fromEntries",
    "Array": "isArray from of",
    "Number": "isInteger isFinite isNaN isSafeInteger parseInt parseFloat MAX_SAFE_INTEGER "
              "MIN_SAFE_INTEGER EPSILON",
    "String": "fromCharCode fromCodePoint raw",
    "Date": "now parse UTC",
    "Buffer": "from byteLength isBuffer",
    # (not env, nor stdout or stdin as values: a stream's members reach past data)
    "process": "version versions platform arch argv cwd exit pid uptime hrtime memoryUsage "
               "release stdout.write stderr.write",
}.items()}
MODULES: dict[str, frozenset[str]] = {name: _words(members) for name, members in {
    "fs": "readFileSync existsSync readdirSync statSync lstatSync",
    "path": "join resolve relative dirname basename extname normalize isAbsolute parse "
            "format sep delimiter posix",
    "os": "platform arch type release cpus totalmem freemem EOL hostname homedir tmpdir "
          "uptime endianness availableParallelism",
    "crypto": "createHash createHmac randomBytes randomUUID randomInt getHashes",
    "util": "inspect format isDeepStrictEqual",
}.items()}
# members that read a file: called at once, with a literal path
READERS: dict[str, frozenset[str]] = {"fs": MODULES["fs"]}
HIDDEN = _words("constructor prototype caller callee arguments")
ENCODINGS = _words("utf8 utf-8 UTF-8 UTF8 latin1 ascii base64 hex binary")
# (and names V8 refuses to bind, which Node would then read as TypeScript: `let`, `yield`)
_BINDING_REFUSED = _words("""
    require module exports arguments eval globalThis global this let yield await static
    implements interface package private protected public enum undefined NaN Infinity
""")
NODES = _words("""
    program expression_statement lexical_declaration variable_declarator identifier
    property_identifier shorthand_property_identifier shorthand_property_identifier_pattern
    member_expression subscript_expression call_expression arguments new_expression string
    string_fragment escape_sequence template_string template_substitution number true false
    null undefined regex regex_pattern regex_flags array object pair spread_element
    arrow_function formal_parameters statement_block return_statement
    parenthesized_expression binary_expression unary_expression update_expression
    ternary_expression assignment_expression augmented_assignment_expression
    sequence_expression if_statement else_clause for_in_statement for_statement
    empty_statement array_pattern object_pattern pair_pattern object_assignment_pattern
    assignment_pattern rest_pattern optional_chain computed_property_name
""")
_SCOPES = _words("program statement_block arrow_function for_statement for_in_statement")
_BETWEEN = re.compile(r"[ \t]*")
_PARSER: list[Parser] = []


class _Refused(Exception):
    pass


class _Scope:
    """The names one scope binds: each to "" (a value), a module (`const fs =
    require('fs')`), or "MODULE.member" (`const {join} = require('path')`)."""

    __slots__ = ("names", "outer")

    def __init__(self, outer: _Scope | None) -> None:
        self.names: dict[str, str] = {}
        self.outer = outer

    def find(self, name: str) -> str | None:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.outer
        return None


def read(code: str) -> Reading | str:
    """The code read in full, or why it is not (the first thing it does that is not read)."""
    if code.endswith("\n"):
        code = code[:-1]  # (a here-document's last line ends with one)
    if "\n" in code or "\r" in code or "<!--" in code or "-->" in code:
        return "it is not one line of JavaScript that gatekeep reads"
    tree = _parser().parse(code.encode())
    root = tree.root_node
    if root.has_error:
        return "it is not JavaScript that gatekeep can parse"
    reader = _Reader()
    try:
        reader.tokens(root)
        reader.statements(root, _Scope(None))
    except _Refused as refused:
        return str(refused)
    except RecursionError:
        return "it nests deeper than gatekeep reads"
    return Reading(tuple(reader.opened), tuple(dict.fromkeys(reader.code)),
                   tuple(dict.fromkeys(reader.plain)))


def _parser() -> Parser:
    if not _PARSER:
        import tree_sitter
        import tree_sitter_javascript

        _PARSER.append(tree_sitter.Parser(tree_sitter.Language(tree_sitter_javascript.language())))
    return _PARSER[0]


def _text(node: Node) -> str:
    return (node.text or b"").decode()


def _leaves(node: Node) -> Iterator[Node]:
    if node.child_count == 0:
        yield node
    for child in node.children:
        yield from _leaves(child)


def _string(node: Node | None) -> str | None:
    """The value of a plain string literal: no escape, no substitution."""
    if node is None or node.type != "string" \
            or any(c.type == "escape_sequence" for c in node.named_children):
        return None
    return "".join(_text(c) for c in node.named_children)


class _Reader:
    def __init__(self) -> None:
        self.opened: list[str] = []
        self.code: list[str] = []
        self.plain: list[str] = []

    # -- tokens ------------------------------------------------------------------
    def tokens(self, root: Node) -> None:
        """Every character is in a token tree-sitter read, or a space or tab between two."""
        source = root.text or b""
        end, last, opened = 0, "", False
        for leaf in _leaves(root):
            gap = source[end:leaf.start_byte].decode()
            if not _BETWEEN.fullmatch(gap):
                raise _Refused("it holds characters between its tokens that gatekeep does "
                               "not read")
            kind = leaf.type
            if kind == "comment" or kind.startswith("html"):
                raise _Refused("it holds a comment")
            text = _text(leaf)
            if kind in ("identifier", "property_identifier", "shorthand_property_identifier",
                        "shorthand_property_identifier_pattern") \
                    and not (text.isascii() and text.replace("$", "a").isidentifier()):
                raise _Refused(f"it names {text!r}, written with escapes or other letters")
            if kind in ("/", "regex_pattern", "/=") and last == "}":
                raise _Refused("it has a / right after a }, which Node may read otherwise")
            if kind in (">", ">>", ">>>") and opened:
                # `f<T>(x)`: type arguments to TypeScript, which Node reads code as where
                # V8 refuses it (red team 93)
                raise _Refused("it has a < and then a >, which Node may read as TypeScript")
            opened = opened or kind.startswith("<")  # (`<<` is two to TypeScript: red team 94)
            end, last = leaf.end_byte, kind
        if source[end:].strip(b" \t"):
            raise _Refused("it ends with what gatekeep does not read")

    # -- statements and scopes -------------------------------------------------
    def statements(self, node: Node, scope: _Scope, fresh: bool = True) -> None:
        """Check a node that starts a scope: bind what it declares, then read it all;
        not ``fresh``: in ``scope`` itself (an arrow's body, whose names may not be its
        parameters' too)."""
        inner = _Scope(scope) if fresh else scope
        if node.type in ("for_statement", "for_in_statement"):
            self._loop_bindings(node, inner)  # (its initializer: bound there, not below)
        declarations = [c for c in node.named_children if c.type == "lexical_declaration"
                        and node.type not in ("for_statement", "for_in_statement")]
        for declaration in declarations:
            self._declare(declaration, inner)
        for child in node.named_children:
            self.check(child, inner)

    def _parameters(self, arrow: Node) -> list[str]:
        single = arrow.child_by_field_name("parameter")
        if single is not None:
            return [_text(single)]
        names: list[str] = []
        parameters = (arrow.child_by_field_name("parameters") or arrow).named_children
        _rest_last(parameters)
        for parameter in parameters:
            names.extend(self._pattern(parameter))
        return names

    def _loop_bindings(self, loop: Node, scope: _Scope) -> None:
        if loop.type == "for_statement":
            start = loop.child_by_field_name("initializer")
            if start is not None and start.type == "lexical_declaration":
                self._declare(start, scope)
            return
        kind = loop.child_by_field_name("kind")
        left = loop.child_by_field_name("left")
        if left is None:
            raise _Refused("it has a loop gatekeep does not read")
        if kind is None:
            if left.type != "identifier" or scope.find(_text(left)) is None:
                raise _Refused("it loops over a name it does not bind")
            return
        if _text(kind) not in ("const", "let"):
            raise _Refused(f"it uses {_text(kind)}")
        for name in self._pattern(left):
            self._bind(scope, name, "")

    def _declare(self, declaration: Node, scope: _Scope) -> None:
        kind = _text(declaration.children[0])
        for declarator in declaration.named_children:
            if declarator.type != "variable_declarator":
                continue
            name = declarator.child_by_field_name("name")
            value = declarator.child_by_field_name("value")
            if value is None and (kind == "const" or (name is not None
                                                       and name.type != "identifier")):
                raise _Refused("it declares a const or a pattern with no value")
            module = self._module(value)
            if name is None:
                raise _Refused("it declares what gatekeep does not read")
            if module is not None and kind == "const" and name.type == "identifier":
                self._bind(scope, _text(name), module)
            elif module is not None and kind == "const" and name.type == "object_pattern":
                for key, bound in self._members(name):
                    if key not in MODULES[module]:
                        raise _Refused(f"it takes {module}.{key}")
                    self._bind(scope, bound, f"{module}.{key}")
            elif module is not None:
                raise _Refused(f"it binds the module {module} in a way gatekeep does not read")
            else:
                for bound in self._pattern(name):
                    self._bind(scope, bound, "")

    def _members(self, pattern: Node) -> list[tuple[str, str]]:
        """`{readFileSync, join: j}`: (member, name bound) pairs; nothing else."""
        found = []
        for entry in pattern.named_children:
            if entry.type == "shorthand_property_identifier_pattern":
                found.append((_text(entry), _text(entry)))
                continue
            key, value = entry.child_by_field_name("key"), entry.child_by_field_name("value")
            if entry.type != "pair_pattern" or key is None or value is None \
                    or key.type != "property_identifier" or value.type != "identifier":
                raise _Refused("it takes members of a module in a way gatekeep does not read")
            found.append((_text(key), _text(value)))
        return found

    def _pattern(self, node: Node) -> list[str]:
        """The names a binding pattern binds; its keys are members it takes, its defaults
        code it runs (checked where they stand, as the pattern's children)."""
        if node.type == "identifier":
            return [_text(node)]
        if node.type == "shorthand_property_identifier_pattern":
            self._member_name(_text(node))
            return [_text(node)]
        if node.type in ("array_pattern", "object_pattern", "rest_pattern"):
            _rest_last(node.named_children)
            return [name for child in node.named_children for name in self._pattern(child)]
        if node.type == "pair_pattern":
            key, value = node.child_by_field_name("key"), node.child_by_field_name("value")
            if key is None or value is None or key.type != "property_identifier":
                raise _Refused("it takes a member named in a way gatekeep does not read")
            self._member_name(_text(key))
            return self._pattern(value)
        if node.type in ("assignment_pattern", "object_assignment_pattern"):
            left = node.child_by_field_name("left")
            if left is None:
                raise _Refused("it binds what gatekeep does not read")
            return self._pattern(left)
        raise _Refused(f"it binds with {node.type}, which gatekeep does not read")

    def _bind(self, scope: _Scope, name: str, meaning: str) -> None:
        """Bind a name in a scope; twice is an early error V8 refuses, after which Node
        reads the code as TypeScript, where `f<(a, a) => 1>(x)` is `f(x)` (red team 93)."""
        if name.startswith("_") or name in _BINDING_REFUSED:
            raise _Refused(f"it binds {name}")
        if name in scope.names:
            raise _Refused(f"it binds {name} twice")
        scope.names[name] = meaning

    # -- expressions -------------------------------------------------------------
    def check(self, node: Node, scope: _Scope) -> None:
        kind = node.type
        if kind not in NODES:
            raise _Refused(f"it uses {kind.replace('_', ' ')}, which gatekeep does not read")
        if kind == "arrow_function" and node.parent is not None \
                and node.parent.type in ("binary_expression", "unary_expression",
                                         "update_expression", "member_expression",
                                         "subscript_expression", "call_expression"):
            # `x < (a) => b`: an early error V8 refuses (red team 94)
            raise _Refused("it uses an arrow function as an operand")
        if kind == "regex_flags" and (not set(_text(node)) <= set("dgimsuyv")
                                      or len(set(_text(node))) != len(_text(node))):
            raise _Refused("it has a regular expression's flags V8 refuses")
        if kind in _SCOPES:
            if kind == "arrow_function":
                body = node.child_by_field_name("body")
                inner = _Scope(scope)
                for name in self._parameters(node):
                    self._bind(inner, name, "")
                self._pattern_defaults(node, inner)
                if body is not None and body.type == "statement_block":
                    self.statements(body, inner, fresh=False)
                elif body is not None:
                    self.check(body, inner)
                return
            self.statements(node, scope)
            return
        if kind == "identifier" or kind == "shorthand_property_identifier":
            self._value(node, scope)
        elif kind == "member_expression":
            self._member(node, scope)
        elif kind == "subscript_expression":
            self._subscript(node, scope)
        elif kind == "call_expression":
            self._call(node, scope)
        elif kind == "new_expression":
            constructor = node.child_by_field_name("constructor")
            if constructor is None or constructor.type != "identifier" \
                    or scope.find(_text(constructor)) is not None \
                    or _text(constructor) not in CONSTRUCTORS:
                raise _Refused(f"it makes a new {_text(constructor) if constructor else '?'}")
            for child in node.named_children:
                if child != constructor:
                    self.check(child, scope)
        elif kind == "unary_expression" and _text(node.children[0]) == "delete":
            raise _Refused("it deletes a member")
        elif kind in ("assignment_expression", "augmented_assignment_expression",
                      "update_expression"):
            target = node.child_by_field_name("left" if kind != "update_expression"
                                              else "argument")
            if target is None or target.type != "identifier" \
                    or scope.find(_text(target)) != "":
                raise _Refused("it assigns what it did not bind with let")
            for child in node.named_children:
                if child != target:
                    self.check(child, scope)
        elif kind == "pair":
            key = node.child_by_field_name("key")
            if key is not None and key.type == "property_identifier":
                self._member_name(_text(key))
            elif key is not None and key.type == "string":
                self._member_name(_string(key) or "_")
            for child in node.named_children:
                if child != key or child.type == "computed_property_name":
                    self.check(child, scope)
        elif kind == "variable_declarator":
            bound, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if bound is not None:
                self._pattern_defaults(bound, scope)
            if value is not None and self._module(value) is None:
                self.check(value, scope)  # (`const fs = require('fs')`: bound by _declare)
        else:
            for child in node.named_children:
                self.check(child, scope)

    def _pattern_defaults(self, node: Node, scope: _Scope) -> None:
        """The default values in a binding pattern (`({a = f()}) => a`), read as code."""
        for child in node.named_children:
            if child.type in ("assignment_pattern", "object_assignment_pattern"):
                right = child.child_by_field_name("right")
                if right is not None:
                    self.check(right, scope)
            elif child.type in ("formal_parameters", "array_pattern", "object_pattern",
                                "pair_pattern", "rest_pattern"):
                self._pattern_defaults(child, scope)

    def _value(self, node: Node, scope: _Scope) -> None:
        """A name used as a value: one the code binds to a value, or a listed global."""
        name = _text(node)
        meaning = scope.find(name)
        if meaning is None and (name in VALUES or name in FUNCTIONS):
            return
        if meaning == "":
            return
        if meaning is not None and "." in meaning and not _reads(meaning):
            return  # `const {join} = require('path')`
        if meaning is not None or name in GLOBALS or name == "require":
            raise _Refused(f"it uses {name} as a value")
        raise _Refused(f"it names {name}, which it does not define")

    def _namespace(self, node: Node, scope: _Scope) -> str | None:
        """The module or global namespace a node stands for, or None."""
        if node.type == "identifier":
            name = _text(node)
            meaning = scope.find(name)
            if meaning is None:
                return name if name in GLOBALS else None
            return meaning if meaning in MODULES else None
        return self._module(node, scope)

    def _module(self, node: Node | None, scope: _Scope | None = None) -> str | None:
        """The module a `require('fs')` call loads (`node:` or not), or None."""
        if node is None or node.type != "call_expression":
            return None
        function = node.child_by_field_name("function")
        if function is None or function.type != "identifier" or _text(function) != "require" \
                or (scope is not None and scope.find("require") is not None):
            return None
        literal = _only_argument(node)
        name = (literal or "").removeprefix("node:")
        return name if name in MODULES else None

    def _member(self, node: Node, scope: _Scope) -> None:
        """`a.b.c`: the names taken, from a namespace by its list, else any name but the
        hidden ones; a reader's member only called at once (``_call`` reads those)."""
        chain: list[str] = []
        base = node
        while base.type == "member_expression":
            taken = base.child_by_field_name("property")
            below = base.child_by_field_name("object")
            if taken is None or below is None or taken.type != "property_identifier":
                raise _Refused("it takes a member gatekeep does not read")
            chain.insert(0, _text(taken))
            base = below
        namespace = self._namespace(base, scope)
        if namespace is None:
            for each in chain:
                self._member_name(each)
            self.check(base, scope)
            return
        members = GLOBALS.get(namespace) or MODULES[namespace]
        listed = max((k for k in range(1, len(chain) + 1) if ".".join(chain[:k]) in members),
                     default=0)
        if not listed:
            raise _Refused(f"it takes {namespace}.{'.'.join(chain)}")
        if chain[0] in READERS.get(namespace, ()):
            raise _Refused(f"it uses {namespace}.{chain[0]} other than by calling it with "
                           "a file it names")
        for each in chain[listed:]:
            self._member_name(each)

    def _subscript(self, node: Node, scope: _Scope) -> None:
        index = node.child_by_field_name("index")
        base = node.child_by_field_name("object")
        if index is None or base is None:
            raise _Refused("it takes a member gatekeep does not read")
        if index.type == "number":
            pass
        elif index.type == "string" and _string(index) is not None:
            self._member_name(_string(index) or "_")
        else:
            raise _Refused("it takes a member it names only at run time")
        if self._namespace(base, scope) is not None:
            raise _Refused(f"it takes a member of {_text(base)} by a string")
        self.check(base, scope)

    def _member_name(self, name: str) -> None:
        if name.startswith("_") or name in HIDDEN or not name:
            raise _Refused(f"it takes the member {name or '(empty)'}")

    def _call(self, node: Node, scope: _Scope) -> None:
        function = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        if function is None or arguments is None:
            raise _Refused("it calls what gatekeep does not read")
        if function.type == "import":
            raise _Refused("it imports a module")
        name = _text(function) if function.type == "identifier" else ""
        meaning = scope.find(name) if name else None
        if name == "require" and meaning is None:
            self._require(node)
            return
        reader = self._reader(function, scope)
        if reader:
            self._read(node, reader)
            return
        if function.type == "identifier" and meaning is None and name in CONSTRUCTORS:
            pass  # `Date()`, `Array(3)`
        else:
            self.check(function, scope)
        self.check(arguments, scope)

    def _reader(self, function: Node, scope: _Scope) -> str:
        """The reader a callee names (`fs.readFileSync`, a name bound to one), or ""."""
        if function.type == "identifier":
            meaning = scope.find(_text(function)) or ""
            return meaning if _reads(meaning) else ""
        if function.type != "member_expression":
            return ""
        base = function.child_by_field_name("object")
        member = function.child_by_field_name("property")
        namespace = self._namespace(base, scope) if base is not None else None
        if namespace in READERS and member is not None and _text(member) in READERS[namespace]:
            return f"{namespace}.{_text(member)}"
        return ""

    def _require(self, call: Node) -> None:
        literal = _only_argument(call)
        if literal is None:
            raise _Refused("it requires what it names only at run time")
        if literal.removeprefix("node:") in MODULES:
            # (bound by const, or a member taken at once: read by _declare and _member)
            raise _Refused(f"it uses the module {literal} as a value")
        if not (literal.startswith(("./", "../", "/")) and literal.endswith(".json")) \
                or "\0" in literal:
            raise _Refused(f"it requires {literal}")
        # Node parses a plain file as JSON; were it a directory, nothing or a link (whose
        # target's name picks the loader), it would load code in its place: it must be a
        # plain file now, and no part may write one of those places (red team 93)
        self.opened.append(literal)
        self.plain.append(literal)
        self.code.extend([literal, *(f"{literal}{end}" for end in (
            ".js", ".json", ".node", "/index.js", "/index.json", "/index.node",
            "/package.json"))])

    def _read(self, call: Node, reader: str) -> None:
        arguments = [a for a in (call.child_by_field_name("arguments") or call).named_children]
        if not arguments or len(arguments) > 2:
            raise _Refused(f"it calls {reader} in a way gatekeep does not read")
        path = _string(arguments[0])
        if path is None and not (arguments[0].type == "number" and _text(arguments[0]) == "0"
                                 and reader == "fs.readFileSync"):
            raise _Refused(f"it calls {reader} on a file it does not name")
        if path is not None and (not path or "\0" in path):
            raise _Refused(f"it calls {reader} on a file it does not name")
        if len(arguments) == 2 and not _reading_options(arguments[1]):
            raise _Refused(f"it calls {reader} with options gatekeep does not read")
        if path is not None:
            self.opened.append(path)


def _rest_last(items: list[Node]) -> None:
    """A rest element (`...a`) anywhere but last is an early error V8 refuses."""
    if any(item.type == "rest_pattern" for item in items[:-1]):
        raise _Refused("it has a rest element that is not last")


def _reads(meaning: str) -> bool:
    module, _, member = meaning.partition(".")
    return member in READERS.get(module, ())


def _only_argument(call: Node) -> str | None:
    arguments = call.child_by_field_name("arguments")
    if arguments is None or arguments.type != "arguments" or arguments.named_child_count != 1:
        return None
    return _string(arguments.named_children[0])


def _reading_options(node: Node) -> bool:
    """An encoding (`'utf8'`), or `{encoding: 'utf8'}` / `{withFileTypes: true}`: options
    that only read (not `{flag: 'w'}`)."""
    if node.type == "string":
        return _string(node) in ENCODINGS
    if node.type != "object":
        return False
    for pair in node.named_children:
        key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if pair.type != "pair" or key is None or value is None:
            return False
        if not ((_text(key) == "encoding" and _string(value) in ENCODINGS)
                or (_text(key) == "withFileTypes" and value.type in ("true", "false"))):
            return False
    return True
