"""gatekeep: judge every command an AI agent wants to run before it runs."""

__version__ = "0.1.0"
