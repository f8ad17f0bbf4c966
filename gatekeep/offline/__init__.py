"""Judging many commands without running any: ``test``, ``replay``, examples, JUnit output."""
