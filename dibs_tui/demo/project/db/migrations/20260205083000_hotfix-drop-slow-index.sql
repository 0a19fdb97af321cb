-- Migration: 20260205083000_hotfix-drop-slow-index
-- Hand-written during incident INC-311: bulk reassignment of issues stalled on this index (the planner
-- picked it for every assignee lookup). Dropped to stop the bleeding; to be recreated CONCURRENTLY.
-- Written by hand, so the __dibs_* meta tables were not updated: the index's meta row is now stale.

DROP INDEX issues_assignee_open_idx;
