-- Migration: 20260301120000_estimates-and-required-reporter
-- Story points on issues; every issue keeps a reporter; the legacy username goes away.
-- NOT APPLIED YET: review it (dibs-tui review, or the Migrations pane) before applying.

-- Schema changes

ALTER TABLE issues ADD COLUMN estimate smallint CHECK (estimate IN (1, 2, 3, 5, 8, 13));

-- Issues whose reporter was deleted move to the ghost account, so that reporter_id can be required.
INSERT INTO users (email, display_name) VALUES ('ghost@acme.test', 'Ghost') ON CONFLICT DO NOTHING;
UPDATE issues SET reporter_id = (SELECT id FROM users WHERE email = 'ghost@acme.test')
 WHERE reporter_id IS NULL;
ALTER TABLE issues ALTER COLUMN reporter_id SET NOT NULL;
ALTER TABLE issues
    DROP CONSTRAINT issues_reporter_id_fkey,
    ADD CONSTRAINT issues_reporter_id_fkey FOREIGN KEY (reporter_id) REFERENCES users (id);

-- Imported from the old tracker; nothing reads it since the switch to single sign-on.
ALTER TABLE users DROP COLUMN legacy_username;

ALTER TABLE milestones ADD CONSTRAINT milestones_project_title_key UNIQUE (project_id, title);

-- Meta updates
-- @dibs-meta
