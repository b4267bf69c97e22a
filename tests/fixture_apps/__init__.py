"""Fixture applications with state (a to-do list, a small shop) for exploration and the quality benchmark."""
