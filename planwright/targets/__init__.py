"""Targets: a team's app registered once and planned again on a schedule (issue 11).

`schedule` validates cron + time zone and computes the next run; `service` is the targets' CRUD;
`runs` starts a run (a plan linked to its target and run number) and claims due targets for the
beat; `regression` / `regress_stage` re-execute the previous run's verified cases first; `diff` /
`compare` say what changed between two runs by stable case keys; `junit` and `webhook` tell CI
servers and other tools; `retention` keeps the last N runs. Only `regression` and `regress_stage`
import Playwright (the crawler worker runs them); the api and the beat never do.
"""
