"""Targets: a team's app registered once and planned again on a schedule (issue 11).

`schedule` validates cron + time zone and computes the next run; `service` is the targets' CRUD;
`runs` starts a run (a plan linked to its target and run number) and claims due targets for the
beat's tick; `diff` compares two runs by stable case keys.
"""
