-- Demo data for Acme Tracker: a few hundred deterministic rows, so that row counts, NULL counts and the
-- hazards of the pending migration mean something. Loaded once by `dibs-tui demo`, after the migrations.
-- Triggers are skipped while loading (session_replication_role): the audit trail is seeded explicitly.

SET session_replication_role = replica;

INSERT INTO orgs (slug, name, plan, created_at) VALUES
    ('acme', 'Acme Corporation', 'enterprise', '2026-01-10 09:30+00'),
    ('globex', 'Globex', 'team', '2026-01-12 14:00+00'),
    ('initech', 'Initech', 'free', '2026-01-20 11:15+00');

INSERT INTO users (email, display_name, legacy_username, default_org_id, preferences, created_at,
                   deactivated_at, email_verified, email_verified_at)
SELECT format('user%s@%s.test', n, (ARRAY['acme', 'globex', 'initech'])[1 + n % 3]),
       (ARRAY['Ada', 'Brian', 'Chen', 'Dana', 'Emeka', 'Farah', 'Goran', 'Hana', 'Ivo', 'Jun'])[1 + n % 10]
           || ' ' || (ARRAY['Lovelace', 'Kernighan', 'Wei', 'Scully', 'Okafor', 'Haddad', 'Petrov'])[1 + n % 7],
       CASE WHEN n % 3 <> 0 THEN format('u%s', n) END,
       CASE WHEN n % 9 <> 0 THEN 1 + n % 3 END,
       CASE WHEN n % 4 = 0 THEN '{"theme": "dark"}' ELSE '{}' END::jsonb,
       timestamptz '2026-01-10 10:00+00' + n * interval '7 hours',
       CASE WHEN n % 17 = 0 THEN timestamptz '2026-02-20 12:00+00' END,
       n % 5 <> 0,
       CASE WHEN n % 5 <> 0 THEN timestamptz '2026-01-10 10:30+00' + n * interval '7 hours' END
  FROM generate_series(1, 60) AS n;

INSERT INTO memberships (org_id, user_id, role, joined_at)
SELECT 1 + u.id % 3, u.id,
       CASE WHEN u.id <= 3 THEN 'owner' WHEN u.id % 7 = 0 THEN 'admin' WHEN u.id % 11 = 0 THEN 'guest'
            ELSE 'member' END::member_role,
       u.created_at
  FROM users u
UNION ALL
SELECT 1 + (u.id + 1) % 3, u.id, 'guest', u.created_at + interval '3 days'
  FROM users u WHERE u.id % 4 = 0;

INSERT INTO api_tokens (user_id, name, token_hash, scopes, last_used_at, expires_at, created_at)
SELECT 1 + (n * 7) % 60, (ARRAY['ci', 'laptop', 'grafana', 'backup'])[1 + n % 4],
       sha256(convert_to('token-' || n, 'UTF8')),
       CASE WHEN n % 2 = 0 THEN '{issues:read}' ELSE '{issues:read,issues:write}' END::text[],
       CASE WHEN n % 3 <> 0 THEN timestamptz '2026-02-15 08:00+00' + n * interval '1 hour' END,
       CASE WHEN n % 4 = 0 THEN timestamptz '2026-06-30 00:00+00' END,
       timestamptz '2026-01-25 09:00+00' + n * interval '1 day'
  FROM generate_series(1, 20) AS n;

INSERT INTO projects (org_id, key, name, description, lead_id, archived_at, created_at) VALUES
    (1, 'API', 'Public API', 'The REST and webhook API.', 4, NULL, '2026-01-10 10:00+00'),
    (1, 'WEB', 'Web app', 'The browser client.', 7, NULL, '2026-01-11 10:00+00'),
    (1, 'OPS', 'Operations', NULL, 10, NULL, '2026-01-12 10:00+00'),
    (2, 'MOB', 'Mobile', 'iOS and Android apps.', 5, NULL, '2026-01-13 10:00+00'),
    (2, 'DATA', 'Data platform', NULL, NULL, NULL, '2026-01-14 10:00+00'),
    (3, 'TPS', 'TPS reports', 'Cover sheets included.', 9, '2026-02-10 17:00+00', '2026-01-21 10:00+00');

INSERT INTO milestones (project_id, title, starts_on, due_on)
SELECT p, format('Sprint %s', s), date '2026-01-12' + (s - 1) * 14, date '2026-01-12' + s * 14 - 1
  FROM generate_series(1, 6) AS p, generate_series(1, 2) AS s
 ORDER BY p, s;

INSERT INTO issues (project_id, number, title, body, state, priority, reporter_id, assignee_id, milestone_id,
                    parent_id, due_on, created_at, updated_at, closed_at)
SELECT 1 + n % 6,
       1 + n / 6,
       (ARRAY['Login fails with', 'Crash when opening', 'Slow response from', 'Typo in', 'Add dark mode to',
              'Export CSV from', 'Pagination broken in', 'Flaky test around'])[1 + n % 8]
           || ' ' || (ARRAY['the board', 'settings', 'issue search', 'webhooks', 'the API', 'notifications'])[1 + n % 6],
       CASE WHEN n % 4 <> 0 THEN 'Steps to reproduce: open the page, click the button, wait.' END,
       (ARRAY['open', 'open', 'in_progress', 'blocked', 'closed', 'closed'])[1 + n % 6]::issue_state,
       1 + n % 4,
       CASE WHEN n % 23 = 0 THEN NULL ELSE 1 + (n * 13) % 60 END,
       CASE WHEN n % 3 = 0 THEN NULL ELSE 1 + (n * 7) % 60 END,
       CASE WHEN n % 2 = 0 THEN 1 + ((n % 6) * 2) + (n / 6) % 2 END,
       NULL,
       CASE WHEN n % 5 = 0 THEN date '2026-03-01' + n % 30 END,
       timestamptz '2026-01-12 09:00+00' + n * interval '4 hours',
       timestamptz '2026-01-12 09:00+00' + n * interval '4 hours' + (n % 10) * interval '1 day',
       CASE WHEN n % 6 >= 4 THEN timestamptz '2026-01-12 09:00+00' + n * interval '4 hours' + interval '2 days' END
  FROM generate_series(0, 299) AS n;

-- Every 10th issue is an epic; the nine after it are its children.
UPDATE issues SET parent_id = id - id % 10 WHERE id % 10 <> 0 AND id > 10;

INSERT INTO comments (issue_id, author_id, body, created_at, edited_at)
SELECT 1 + n % 300,
       CASE WHEN n % 19 = 0 THEN NULL ELSE 1 + (n * 11) % 60 END,
       (ARRAY['Can reproduce on staging.', 'Fixed in the latest build, please verify.',
              'This blocks the release.', 'Duplicate of an older issue, closing soon.',
              'Attached the log output.'])[1 + n % 5],
       timestamptz '2026-01-13 09:00+00' + n * interval '95 minutes',
       CASE WHEN n % 8 = 0 THEN timestamptz '2026-01-13 10:00+00' + n * interval '95 minutes' END
  FROM generate_series(0, 599) AS n;

INSERT INTO labels (project_id, name, color)
SELECT p, l.name, l.color
  FROM generate_series(1, 6) AS p,
       (VALUES ('bug', '#d73a4a'), ('feature', '#a2eeef'), ('docs', '#0075ca'),
               ('security', '#b60205'), ('good first issue', '#7057ff')) AS l (name, color)
 ORDER BY p;

INSERT INTO issue_labels (issue_id, label_id)
SELECT DISTINCT i.id, (i.project_id - 1) * 5 + 1 + (i.id * k) % 5
  FROM issues i, generate_series(1, 2) AS k
 WHERE i.id % 3 <> 0;

INSERT INTO issue_watchers (issue_id, user_id)
SELECT DISTINCT 1 + n % 300, 1 + (n * 17) % 60 FROM generate_series(0, 249) AS n;

INSERT INTO attachments (issue_id, uploader_id, filename, content_type, size_bytes, storage_key, created_at)
SELECT 1 + (n * 7) % 300,
       CASE WHEN n % 6 = 0 THEN NULL ELSE 1 + n % 60 END,
       (ARRAY['screenshot.png', 'server.log', 'trace.json', 'mockup.pdf'])[1 + n % 4],
       (ARRAY['image/png', 'text/plain', 'application/json', 'application/pdf'])[1 + n % 4],
       1024 * (1 + (n * 37) % 900),
       format('attachments/2026/%s', md5('attachment-' || n)),
       timestamptz '2026-01-15 12:00+00' + n * interval '20 hours'
  FROM generate_series(1, 40) AS n;

INSERT INTO saved_searches (user_id, name, filters, created_at)
SELECT 1 + (n * 5) % 60,
       (ARRAY['My open bugs', 'Release blockers', 'Unassigned', 'Security'])[1 + n % 4],
       (ARRAY['{"state": ["open"], "labels": ["bug"], "assignee": "me"}',
              '{"priority": [1], "state": ["open", "blocked"]}',
              '{"assignee": null}',
              '{"labels": ["security"]}'])[1 + n % 4]::jsonb,
       timestamptz '2026-01-20 09:00+00' + n * interval '2 days'
  FROM generate_series(1, 15) AS n;

INSERT INTO notifications (recipient_id, kind, issue_id, payload, created_at, read_at)
SELECT 1 + (n * 3) % 60,
       (ARRAY['assigned', 'mentioned', 'commented', 'state_changed'])[1 + n % 4]::notification_kind,
       1 + n % 300,
       jsonb_build_object('actor', 1 + n % 60, 'issue', 1 + n % 300),
       timestamptz '2026-01-25 08:00+00' + n * interval '3 hours',
       CASE WHEN n % 3 <> 0 THEN timestamptz '2026-01-25 09:00+00' + n * interval '3 hours' END
  FROM generate_series(0, 249) AS n;

INSERT INTO webhooks (org_id, url, events, secret, active, created_at) VALUES
    (1, 'https://ci.acme.test/hooks/tracker', '{issue.created,issue.closed}', 'whsec_acme_ci', true, '2026-01-26 10:00+00'),
    (1, 'https://chat.acme.test/hooks/42', '{comment.created}', 'whsec_acme_chat', true, '2026-01-27 10:00+00'),
    (2, 'https://globex.test/tracker', '{issue.created}', 'whsec_globex', false, '2026-01-28 10:00+00'),
    (3, 'https://initech.test/tps', '{issue.closed}', 'whsec_initech', true, '2026-02-01 10:00+00');

INSERT INTO webhook_deliveries (webhook_id, event, request_body, response_code, duration_ms, delivered_at)
SELECT 1 + n % 4,
       (ARRAY['issue.created', 'issue.closed', 'comment.created'])[1 + n % 3],
       jsonb_build_object('issue', 1 + n % 300, 'delivery', n),
       CASE WHEN n % 15 = 0 THEN NULL WHEN n % 7 = 0 THEN 500 ELSE 200 END,
       CASE WHEN n % 15 <> 0 THEN 20 + (n * 13) % 400 END,
       timestamptz '2026-01-27 00:00+00' + n * interval '5 hours'
  FROM generate_series(0, 119) AS n;

INSERT INTO audit_log (at, actor_id, table_name, row_id, action, changes)
SELECT timestamptz '2026-01-12 09:00+00' + n * interval '3 hours',
       CASE WHEN n % 10 = 0 THEN NULL ELSE 1 + n % 60 END,
       'issues',
       1 + n % 300,
       (ARRAY['insert', 'update', 'update', 'delete'])[1 + n % 4],
       CASE WHEN n % 4 IN (1, 2) THEN '{"state": ["open", "in_progress"]}'::jsonb END
  FROM generate_series(0, 419) AS n;

RESET session_replication_role;

REFRESH MATERIALIZED VIEW project_stats;
