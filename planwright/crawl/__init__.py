"""The crawler: drives Chromium over a site and records what each element does (the ground truth)."""
