"""The hot path and the ground under it: standard library only.

``gatekeep run`` with a stored allow decision loads nothing but this package (and the
stdlib-only boundary modules of ``gatekeep.sandbox``): reusing a decision, running the
command, appending to the audit log, and where gatekeep keeps its files.
tests/test_architecture.py holds that boundary.
"""
