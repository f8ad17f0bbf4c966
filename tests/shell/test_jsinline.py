"""Inline JavaScript read in full or not at all (`gatekeep/shell/jsinline.py`): what Node
would run for `node -e CODE` reaches only data, computing functions and the files it names;
everything else is refused with the first thing not read."""

from __future__ import annotations

import pytest

from gatekeep.shell.jsinline import read
from gatekeep.shell.pyinline import Reading

_LOADED = ("./package.json", "./package.json.js", "./package.json.json",
           "./package.json.node", "./package.json/index.js", "./package.json/index.json",
           "./package.json/index.node", "./package.json/package.json")


@pytest.mark.parametrize(("code", "opened"), [
    ("console.log(require('./package.json').version)", ("./package.json",)),
    ("require('./package.json').scripts", ("./package.json",)),
    ("const fs = require('fs'); console.log(JSON.parse(fs.readFileSync('package.json', "
     "'utf8')).name)", ("package.json",)),
    ("process.versions.node", ()),
    ("console.log(require('crypto').randomBytes(32).toString('hex'))", ()),
    ("console.log(Object.keys(require('./package.json').dependencies).join(' '))",
     ("./package.json",)),
    ("const p = require('./package.json'); for (const [k, v] of Object.entries(p.scripts)) "
     "console.log(k, v)", ("./package.json",)),
    ("[1, 2, 3].map(x => x * 2).filter(Boolean)", ()),
    ("const {join} = require('path'); console.log(join('a', 'b'))", ()),
    ("console.log(new Date().toISOString())", ()),
    ("process.stdout.write(JSON.stringify(require('./package.json'), null, 2))",
     ("./package.json",)),
    ("let s = 0; for (let i = 0; i < 10; i++) s += i; console.log(s)", ()),
    ("console.log(`v${process.version}`)", ()),
    ("JSON.parse(require('fs').readFileSync(0, 'utf8')).name", ()),  # its input
    ("const pkg = require('./package.json'); console.log(pkg.engines?.node ?? 'none')",
     ("./package.json",)),
    ("console.log(require('node:fs').existsSync('dist/index.js'))", ("dist/index.js",)),
    ("console.log([...new Set([1, 1, 2])].length)", ()),
    ("require('fs').readdirSync('src').forEach(f => { console.log(f) })", ("src",)),
    ("const {readFileSync: r} = require('fs'); console.log(r('a.txt', {encoding: 'utf8'}))",
     ("a.txt",)),
    ("const x = {a: 1, 'b': [2]}; console.log(x.b[0], x['a'])", ()),
])
def test_code_that_computes_prints_and_reads_named_files_is_read(
        code: str, opened: tuple[str, ...]) -> None:
    reading = read(code)
    assert isinstance(reading, Reading), reading
    assert reading.opened == opened


def test_a_required_json_file_is_read_and_what_node_loads_in_its_place_is_code() -> None:
    reading = read("require('./package.json').name")
    assert isinstance(reading, Reading)
    assert reading.code == _LOADED
    assert reading.plain == ("./package.json",)  # a plain file now: Node parses it alone


@pytest.mark.parametrize(("code", "why"), [
    # modules and globals that reach the system
    ("require('child_process').execSync('id')", "requires child_process"),
    ("require('lodash')", "requires lodash"),            # node_modules: found up the tree
    ("require('./x.js')", "requires ./x.js"),
    ("require(`child_process`)", "only at run time"),
    ("import('fs')", "imports"),
    ("process.env.HOME", "process.env"),
    ("console.log(process.env)", "process.env"),
    ("process.binding('fs')", "process.binding"),
    ("process.mainModule.require('child_process')", "process.mainModule"),
    ("process.stdout.connect(80)", "process.stdout.connect"),
    ("console._stdout.write('x')", "console._stdout"),
    ("require('fs').writeFileSync('x', 'y')", "fs.writeFileSync"),
    ("const fs = require('fs'); fs.writeFileSync('a', 'b')", "fs.writeFileSync"),
    ("fetch('http://x')", "names fetch"),
    ("setTimeout('x', 1)", "names setTimeout"),
    ("globalThis.process", "names globalThis"),
    ("module.require('child_process')", "names module"),
    ("arguments[1]('child_process')", "names arguments"),
    ("eval('1')", "names eval"),
    ("Reflect.get({}, 'x')", "names Reflect"),
    ("Error.prepareStackTrace", "names Error"),
    # the way to Function, and past data
    ("''.constructor.constructor('x')()", "member constructor"),
    ("[].map.constructor('return 1')()", "member constructor"),
    ("x => x.__proto__", "member __proto__"),
    ("Buffer.from('x').constructor", "member constructor"),
    ("require('./package.json')['constructor']", "member constructor"),
    ("Object.getPrototypeOf(x => x)", "Object.getPrototypeOf"),
    ("[Object].map(o => o.getOwnPropertyNames)", "Object as a value"),
    ("new Function('x')", "new Function"),
    ("Function('return 1')()", "names Function"),
    ("this.x", "this"),
    ("const o = {k: 1}; console.log(o[k])", "only at run time"),
    ("const x = {__proto__: null}", "member __proto__"),
    # a reader other than called at once with a file it names
    ("const f = require('fs').readFileSync; f('.env')", "other than by calling"),
    ("require('fs').readFileSync.call(null, '.env')", "other than by calling"),
    ("[require('fs')].map(m => m.readFileSync('.env'))", "module fs as a value"),
    ("const {readFileSync: r} = require('fs'); [r].map(f => f('.env'))", "r as a value"),
    ("require('fs')['readFileSync']('.env')", "by a string"),
    ("require('fs').readFileSync('x', {flag: 'w+'})", "options"),
    ("require('fs').readFileSync(name)", "does not name"),
    ("(0, require)('child_process')", "require as a value"),
    ("const r = require; r('child_process')", "require as a value"),
    # grammar gatekeep does not read
    ("const x = {get a() { return 1 }}", "method definition"),
    ("function f() {}", "function declaration"),
    ("class A {}", "class declaration"),
    ("var x = 1", "variable declaration"),
    ("try { x } catch (e) {}", "try statement"),
    ("x => { delete x.y }", "deletes"),
    ("x = 1", "assigns"),
    ("let require = 1", "binds require"),
    ("console.log(a)", "names a"),
    # what Node may read otherwise than tree-sitter does
    ("console.log(1) // hi", "comment"),
    ("a = 1 <!-- b", "one line"),
    ("console.log(1)\nrequire('child_process')", "one line"),
    ("a\u2028require('child_process')", "between its tokens"),
    ("a\u00a0+ b", "between its tokens"),
    ("\\u0063onstructor", "escapes"),
    ("x => x.\\u0063onstructor", "escapes"),
    ("const x = {}\n/a/g", "one line"),
    ("if (1) {} /a/g.test('a')", "right after a }"),
    ("console.log(", "parse"),
    # red team 93: code V8 refuses, which Node then reads as TypeScript (`f<T>(x)` is f(x))
    ("console.log<(process, process) => 1>(process.env)", "TypeScript"),
    ("String<(Function, Function) => 1>(Function('x')())", "TypeScript"),
    ("(a, a) => 1", "binds a twice"),
    ("x => { let x = 1 }", "binds x twice"),
    ("let a = 1; let a = 2", "binds a twice"),
    ("let let = 1", "binds let"),
    ("[1, 2].filter(a => a < 3 && a > 1)", "TypeScript"),
    # red team 94: `<<` is two `<` to TypeScript; more early errors V8 refuses
    ("console.log<<NaN>(process) => 1>(process.env)", "TypeScript"),
    ("console.log(1 < (a) => a)", "arrow function as an operand"),
    ("const a;", "no value"),
    ("(...a, b) => 1", "rest element"),
    ("([...a, b]) => 1", "rest element"),
    ("'a'.replace(/a/zz, 'b')", "flags"),
    ("'a'.replace(/a/gg, 'b')", "flags"),
    ("[" * 2000 + "]" * 2000, ""),
])
def test_anything_else_is_not_read_and_says_why(code: str, why: str) -> None:
    reading = read(code)
    assert isinstance(reading, str), code
    assert why in reading
