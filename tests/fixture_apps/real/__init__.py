"""Small vanilla-JS apps in real-world idioms, written apart from the explorer (issue 10's benchmark)."""
