"""Thin stacks: each one places constructs and declares its outputs."""
