"""Writes: <entity>_<action> functions with keyword-only arguments (CONVENTIONS.md §1)."""
