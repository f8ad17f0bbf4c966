"""What precision probe 93 found (a C library, a Django app, a Composer app, a Terraform and
Ansible repository, an Express service, a uv-managed package): checkers and wrappers that
read the tree run unasked, held to what their options write or run; Ansible's vault
password files are secrets; more build output is deleted unasked."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from judging import judged_in

from gatekeep.policy.model import Policy


@pytest.fixture
def work(tmp_path: Path) -> Path:
    tree = tmp_path / "work"
    for directory in ("src", "build/tests", "build-asan", "staticfiles/css", ".phpunit.cache",
                      "docs", "terraform/modules/vpc", "ansible"):
        (tree / directory).mkdir(parents=True)
    (tree / ".gitignore").write_text("build/\nbuild-*/\nstaticfiles/\n.phpunit.cache/\n")
    (tree / "src" / "ring.c").write_text("int x;\n")
    (tree / "src" / "merge.py").write_text("def f():\n    '''>>> 1\n    1'''\n")
    (tree / "build" / "tests" / "t").write_text("#!/bin/sh\n")
    (tree / "build" / "tests" / "t").chmod(0o755)
    (tree / "mkdocs.yml").write_text("site_name: x\n")
    (tree / "composer.json").write_text("{}\n")
    (tree / "ansible" / ".vault_pass").write_text("secret\n")
    (tree / ".vault-pass.txt").write_text("secret\n")
    (tree / ".vault-password").write_text("secret\n")
    (tree / "ansible" / "vault_password.txt").write_text("secret\n")
    (tree / "ansible" / "vault.password").write_text("secret\n")
    return tree


@pytest.mark.parametrize("command", [
    "cppcheck --enable=warning,style --std=c11 -Iinclude src/ 2>&1 | head -50",
    "cppcheck --output-file=build/cppcheck.txt src",
    "yamllint -c .yamllint ansible/",
    "tflint --chdir=terraform/modules/vpc --format compact",
    "checkov -d terraform/modules --quiet --compact",
    "tfsec terraform/modules --no-color | tail -30",
    "mkdocs build --strict -d site",
    "cd ansible && ansible-lint playbooks/site.yml",
    "ansible-inventory -i ansible/inventory/staging.ini --graph",
    "ansible-doc -s ansible.builtin.template | head -30",
    "terraform-docs markdown table --output-file README.md terraform/modules/vpc",
    "composer validate --strict",
    "composer show --direct",
    "composer dump-autoload -o",
    "python3 -m zipfile -l dist/x-0.1-py3-none-any.whl",
    "python3 -m tarfile -l dist/x-0.1.tar.gz",
    "python3 -m doctest -v src/merge.py",
    # build output: a build directory by another name, Django's collected static files,
    # PHPUnit's cache; and a delete beside the project's own build
    "rm -rf build build-asan",
    "rm -rf staticfiles .phpunit.cache",
    "rm -rf build build-asan && cmake -S . -B build -G Ninja",
])
def test_everyday_checks_run_unasked(policy: Policy, work: Path, command: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision == "allow", [(s.text, s.rules, s.reason) for s in decision.segments]


@pytest.mark.parametrize(("command", "said"), [
    ("valgrind --db-command=sh ./build/tests/t", "valgrind"),
    ("valgrind --log-socket=10.0.0.1:1500 ./build/tests/t", "valgrind"),
    ("valgrind rm -rf src", "deletes"),                   # what it runs is judged
    # red team 94: its tools' output files, `%q{HOME}`, VALGRIND_OPTS and a .valgrindrc
    # write anywhere: asked, whatever it runs
    ("valgrind --tool=callgrind --callgrind-out-file=%q{HOME}/.bashrc ls", "valgrind"),
    ("valgrind ./build/tests/t", "valgrind"),
    ("VALGRIND_OPTS=--log-file=/x valgrind ls", "valgrind"),
    ("cppcheck --project=../p.cppcheck src", "p.cppcheck"),
    ("cat .vault-password", ".vault-password"),
    ("cat ansible/vault_password.txt", "vault_password"),
    ("cat ansible/vault.password", "vault.password"),
    ("COMPOSER=../x/composer.json composer dump-autoload", "COMPOSER"),
    ("TFLINT_PLUGIN_DIR=/tmp/p tflint", "TFLINT_PLUGIN_DIR"),
    ("cppcheck --addon=misra src", "--addon"),
    ("cppcheck --output-file=../report.txt src", "report.txt"),
    ("tflint --init", "installs"),
    ("tflint --chdir=/opt/infra", "/opt/infra"),
    ("tflint --config=/tmp/tflint.hcl", "/tmp/tflint.hcl"),
    ("checkov -d . --external-checks-dir /tmp/checks", "/tmp/checks"),
    ("checkov -d . --external-checks-git https://x.example/c.git", "--external-checks-git"),
    ("mkdocs build -f /tmp/mkdocs.yml", "/tmp/mkdocs.yml"),
    ("mkdocs build -d ../site", "site"),
    ("mkdocs gh-deploy", "mkdocs"),
    ("python3 -m zipfile -e dist/x.whl ../out", "zipfile"),
    ("python3 -m doctest /tmp/x.py", "/tmp/x.py"),
    ("cat ansible/.vault_pass", ".vault_pass"),
    ("ansible-inventory -i /tmp/inventory.py --list", "/tmp/inventory.py"),
    ("ansible-lint -r /tmp/rules site.yml", "/tmp/rules"),
    ("ANSIBLE_CONFIG=/tmp/ansible.cfg ansible-lint site.yml", "ANSIBLE_CONFIG"),
    ("terraform-docs markdown --output-file ../README.md .", "README.md"),
    ("cat .vault-pass.txt", ".vault-pass"),
    ("rm -rf docs build", "deletes"),                     # docs is not output
])
def test_what_they_write_or_run_elsewhere_is_asked(policy: Policy, work: Path, command: str,
                                                   said: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision != "allow", command
    assert said in " ".join(s.reason for s in decision.segments)


def test_words_xargs_gives_a_shell_may_turn_its_syntax_check_off(policy: Policy, work: Path,
                                                                  tmp_path: Path) -> None:
    """`bash -n` runs nothing, but `+n` turns that off again and `-c` gives it a command:
    words from xargs's input may be both, so the run is asked; `find -exec`'s `{}` are
    paths, each starting with one of the search's starting points."""
    marker = tmp_path / "ran"
    command = f"printf '%s\\0' +n -c 'touch {marker}' | xargs -0 bash -n"
    subprocess.run(["bash", "-c", command], check=True, cwd=work)
    assert marker.exists()  # real bash runs the command it was given
    decision = judged_in(policy, work, command)
    assert decision.decision == "ask"
    assert "hazard:input-arguments" in decision.segments[-1].rules
    assert judged_in(policy, work, "find . -name '*.sh' -exec bash -n {} +").decision == "allow"
