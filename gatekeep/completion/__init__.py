"""Shell completion scripts (bash, zsh, fish), generated from the typer application.

The scripts are static: a TAB never starts Python. ``gatekeep completions SHELL``
prints one; the committed copies in ``completions/`` are checked by a test.
"""
