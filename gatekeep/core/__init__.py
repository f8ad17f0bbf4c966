"""Deciding: the pure ``decide()``, paths and protections, approvals as values, explanations."""
