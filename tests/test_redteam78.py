"""Red team 78 on what precision probe 78 loosened, and next to it: `uv run` judged only as
itself, options given by a start of their name, pytest's debug log, `zstdcat -o`, isort's
added imports. (Its dynamic option values are in test_dynamic_option_values.py.)"""

from __future__ import annotations

import pytest
from judging import judge

from gatekeep.policy.model import Policy


@pytest.mark.parametrize(("command", "expected"), [
    # F5: what `uv run` runs is judged on its own, as for `poetry run`
    ("uv run sh -c 'rm -rf ~'", "deny"), ("uv run python -c 'import os'", "ask"),
    ("uv run pip install x", "ask"), ("uv run --with httpx python x.py", "ask"),
    ("uv run -w httpx pytest", "ask"),
    ("uv run pytest -q", "allow"), ("uv run --frozen pytest", "allow"),
    ("uv run ruff check .", "allow"), ("uv run -- pytest", "allow"),
    # F6: a start of a long option is the option (getopt_long's, argparse's)
    ("make --ev='$(shell id)'", "ask"), ("mypy --cache-d /opt/x src", "ask"),
    ("mypy --linecount-rep /opt src", "ask"), ("bandit --outp /opt/r.json -r src", "ask"),
    ("make -j4 test", "allow"), ("mypy src", "allow"),
    # pytest --debug[=FILE] writes its log over FILE
    ("pytest --debug=/opt/x", "ask"), ("pytest --debug .claude/hooks/x.py", "deny"),
    ("pytest --debug", "allow"),
    # F3: zstdcat is zstd -dcf: -o writes, and input that is no archive passes through
    ("zstdcat -o ~/.bashrc", "ask"), ("zstdcat -o out.txt a.zst", "ask"),
    ("zcat a.gz", "allow"), ("xzcat a.xz", "allow"),
    # F4: isort writes the imports it is told to add into every file it sorts
    ("isort --add-import 'import os; os.system(\"x\")' .", "ask"),
    ("isort -a 'import x' src", "ask"), ("isort .", "allow"),
])
def test_red_team_78_decisions(policy: Policy, command: str, expected: str) -> None:
    assert judge(policy, command).decision == expected
