"""Inline Python read in full or not at all (`gatekeep/shell/pyinline.py`)."""

from __future__ import annotations

import pytest

from gatekeep.shell.pyinline import Reading, read


@pytest.mark.parametrize(("code", "opened"), [
    ("print(1 + 1)", ()),
    ("import sys; print(sys.version)", ()),
    ("import json; nb = json.load(open('notebooks/x.ipynb')); print(len(nb['cells']))",
     ("notebooks/x.ipynb",)),
    ("import csv; r = list(csv.DictReader(open('data/raw.csv'))); print(len(r), list(r[0]))",
     ("data/raw.csv",)),
    ("import json,sys; d = json.load(sys.stdin); print(d['version'])", ()),
    ("from datetime import datetime, timedelta; print(datetime.now() + timedelta(days=1))", ()),
    ("import datetime; print(datetime.datetime.now().isoformat())", ()),
    ("import time; print(time.time())", ()),
    ("import hashlib; print(hashlib.sha256(open('a.bin', 'rb').read()).hexdigest())",
     ("a.bin",)),
    ("with open('setup.cfg', encoding='utf-8') as f:\n    for line in f:\n"
     "        print(line.strip())", ("setup.cfg",)),
    ("import collections; print(collections.Counter(w for w in 'a b a'.split()).most_common(2))",
     ()),
    ("import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['name'])",
     ("pyproject.toml",)),
    ("xs = sorted([3, 1, 2], key=lambda x: -x); print(xs)", ()),
    ("import re; print(re.compile('a+').findall('aab'))", ()),
    ("import csv, sys; w = csv.writer(sys.stdout); w.writerow(['a', 1])", ()),
    ("d = {'b': 2, 'a': 1}; print(sorted(d.items(), key=lambda kv: kv[1]))", ()),
    ("import re; print(re.findall(r'\\d+', 'a1b22'))", ()),
    ("print(f'{2**10:,}')", ()),
    ("import ast; t = ast.parse(open('app/views.py').read()); print([n.name for n in t.body "
     "if isinstance(n, (ast.FunctionDef, ast.ClassDef))])", ("app/views.py",)),
    ("import yaml; print(sorted(yaml.safe_load(open('group_vars/all.yml'))))",
     ("group_vars/all.yml",)),
])
def test_code_that_computes_prints_and_reads_named_files_is_read(
        code: str, opened: tuple[str, ...]) -> None:
    reading = read(code)
    assert isinstance(reading, Reading), reading
    assert reading.opened == opened


@pytest.mark.parametrize(("code", "why"), [
    ("import os; os.system('id')", "imports os"),
    ("import subprocess", "imports subprocess"),
    ("from os import path", "imports path from os"),
    ("import datetime; datetime.sys.modules['os'].system('id')", "attribute"),
    # red team 91: objects reached through strings, and a second open
    ("import functools, random; d = {}; W = type('W', (), {'__globals__': d}); "
     "functools.update_wrapper(W(), random.Random.seed, assigned=(), "
     "updated=('__globals__',)); d['_os'].system('id')", "imports random"),
    ("import functools; functools.update_wrapper", "functools.update_wrapper"),
    ("import functools; functools.wraps", "functools.wraps"),
    ("print('__globals__')", "a string with __"),
    ("import textwrap; print('{0.x}'.format(textwrap.dedent))", "attribute format"),
    ("print('{0.x}'.format(1))", "attribute format"), ("print(format(1, 'x'))", "names format"),
    ("import sys; type(sys.stdout.buffer.raw)('x', 'w').write(b'')", "names type"),
    ("if 0: type = 1\ntype(open('x', 'rb'))", "names type"),  # a binding that never runs
    ("for type in []: pass\nprint(type)", "names type"),
    ("import copy", "imports copy"), ("import shlex; shlex.shlex('')", "shlex.shlex"),
    ("import base64, sys; sys.argv = ['b', '.env']; base64.main()", "assigns the attribute"),
    ("import base64; base64.main()", "base64.main"),
    ("file('x.sh', 'w').write('id')", "names file"),        # Python 2's built-ins
    ("execfile('/tmp/x.py')", "names execfile"),
    ("print(object)", "names object"), ("print(hasattr(1, 'x'))", "names hasattr"),
    ("gatekeep-lint-payload", "which it does not define"),            # a name it never defines
    ("open('.env\x00')", ""),  # NUL: refused, by the parser
    ("from datetime import sys", "imports sys from datetime"),
    ("import sys; sys.modules['os']", "sys.modules"),
    ("import sys; sys.path.insert(0, '/tmp'); import json", "sys.path"),
    ("import collections; collections.abc", "collections.abc"),
    ("import json; j = json; j.decoder", "json as a value"),
    ("import json; [json][0]", "module json as a value"),
    ("import json\njson = 1", "binds json again"),
    ("import json\nfor json in [1]: pass", "binds json again"),
    ("eval('1')", "names eval"), ("exec('x=1')", "names exec"),
    ("getattr(print, 'x')", "names getattr"),
    ("print.__self__", "attribute __self__"), ("().__class__", "attribute __class__"),
    ("__import__('os')", "names __import__"), ("__builtins__", "names __builtins__"),
    ("g = (x for x in [1]); g.gi_frame", "attribute gi_frame"),
    ("open('out.txt', 'w').write('x')", "opens"),
    ("open('out.txt', mode='a')", "opens"), ("open('x', 'r+')", "opens"),
    ("import sys; open(sys.argv[1])", "opens"), ("open(3)", "opens"),
    ("f = open; f('x', 'w')", "open as a value"),
    ("print('x', file=open('log', 'a'))", "opens"),
    ("def f(): pass", "FunctionDef"), ("class A: pass", "ClassDef"),
    ("try:\n    pass\nexcept Exception:\n    pass", "Try"),
    ("help(len)", "names help"), ("breakpoint()", "names breakpoint"),
    ("import operator; operator.attrgetter('__class__')", "imports operator"),
    ("import string", "imports string"), ("import pickle", "imports pickle"),
    ("import yaml; yaml.load(open('x.yml'), Loader=yaml.Loader)", "yaml.load"),
    ("import ast; print(compile(ast.parse('1'), 'x', 'exec'))", "names compile"),
    ("from . import x", "imports x from ."), ("from json import *", "imports *"),
    ("print(", "parse"), ("lambda _x: 1", "binds _x"),
    ("import json as _j", "binds _j"),
])
def test_anything_else_is_not_read_and_says_why(code: str, why: str) -> None:
    reading = read(code)
    assert isinstance(reading, str), code
    assert why in reading
