"""Agent hooks: each agent's pre-tool payload and replies, and where its settings live.

Only ``json`` is imported on the hook path: no typer, no rich, no pydantic.
"""
