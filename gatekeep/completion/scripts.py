"""The completion script for a shell, from the typer application."""

from __future__ import annotations

from typing import Any

FILES = {"bash": "gatekeep.bash", "zsh": "_gatekeep", "fish": "gatekeep.fish"}


def completion_script(shell: str, command: Any) -> str:
    """The script for ``shell`` that completes ``command``, the typer application's click
    command (passed in: the application itself is the layer above)."""
    from gatekeep.completion.bash import bash_script
    from gatekeep.completion.fish import fish_script
    from gatekeep.completion.model import from_click
    from gatekeep.completion.zsh import zsh_script
    from gatekeep.policy.refs import builtin_names

    root = from_click(command, "gatekeep", tuple(builtin_names()))
    render = {"bash": bash_script, "zsh": zsh_script, "fish": fish_script}[shell]
    return render(root)
