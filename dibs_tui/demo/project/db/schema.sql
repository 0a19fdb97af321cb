-- Acme Tracker: the desired schema, and its single source of truth.
--
-- Edit this file, then let dibs-tui compare it with the database (`dibs-tui diff`) and write the migration
-- (`dibs-tui generate`). Every table, column and index remembers the line where it is defined here, and the
-- block of `--` lines right above a definition becomes its doc comment.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- =====================================================================================================
-- Types
-- =====================================================================================================

-- Where an issue is in its life.
CREATE TYPE issue_state AS ENUM ('open', 'in_progress', 'blocked', 'closed');

-- What a member may do inside an organisation.
CREATE TYPE member_role AS ENUM ('owner', 'admin', 'member', 'guest');

-- Why somebody is being notified.
CREATE TYPE notification_kind AS ENUM ('assigned', 'mentioned', 'commented', 'state_changed');

-- Something that looks like an e-mail address (the real check is the verification mail).
CREATE DOMAIN email_address AS text
    CHECK (VALUE ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$');

-- =====================================================================================================
-- Accounts
-- =====================================================================================================

-- Organisations: the tenants. Every project belongs to exactly one.
CREATE TABLE orgs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- URL-safe short name, as in https://tracker.acme.test/acme.
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{2,40}$'),
    name        text NOT NULL,
    -- Billing plan; free organisations may have at most three projects.
    plan        text NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'team', 'enterprise')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- User accounts in the system.
CREATE TABLE users (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Login and contact address; unique regardless of case (see users_email_lower_key).
    email              email_address NOT NULL,
    display_name       text NOT NULL,
    -- Set once the user clicked the link of the verification mail.
    email_verified     boolean NOT NULL DEFAULT false,
    email_verified_at  timestamptz,
    -- The organisation opened after login.
    default_org_id     bigint REFERENCES orgs (id) ON DELETE SET NULL,
    -- UI preferences: theme, keyboard layout, notification settings.
    preferences        jsonb NOT NULL DEFAULT '{}',
    created_at         timestamptz NOT NULL DEFAULT now(),
    deactivated_at     timestamptz
);

-- One account, one address, whatever the case of its letters.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

-- Who belongs to which organisation, and with which role.
CREATE TABLE memberships (
    org_id      bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        member_role NOT NULL DEFAULT 'member',
    joined_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, user_id)
);

CREATE INDEX memberships_user_idx ON memberships (user_id);

-- Personal access tokens for the REST API. Only a hash of the token is stored.
CREATE TABLE api_tokens (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name          text NOT NULL,
    -- SHA-256 of the token; the token itself is shown once, at creation.
    token_hash    bytea NOT NULL UNIQUE,
    -- What the token may do, e.g. {issues:read,issues:write}.
    scopes        text[] NOT NULL DEFAULT '{}',
    last_used_at  timestamptz,
    expires_at    timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- =====================================================================================================
-- Projects and issues
-- =====================================================================================================

-- A project groups issues, labels and milestones.
CREATE TABLE projects (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id       bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    -- Short upper-case prefix of issue numbers, as in API-42.
    key          text NOT NULL CHECK (key ~ '^[A-Z]{2,6}$'),
    name         text NOT NULL,
    description  text,
    lead_id      bigint REFERENCES users (id) ON DELETE SET NULL,
    archived_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT projects_org_key_key UNIQUE (org_id, key)
);

COMMENT ON TABLE projects IS 'Projects of an organisation; the key prefixes issue numbers (API-42).';

-- A dated goal inside a project.
CREATE TABLE milestones (
    id          serial PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    title       text NOT NULL,
    starts_on   date,
    due_on      date,
    CONSTRAINT milestones_dates_check CHECK (due_on IS NULL OR starts_on IS NULL OR due_on >= starts_on),
    CONSTRAINT milestones_project_title_key UNIQUE (project_id, title)
);

-- The unit of work.
CREATE TABLE issues (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id    bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    -- Per-project sequence number: the 42 of API-42.
    number        integer NOT NULL,
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body          text,
    state         issue_state NOT NULL DEFAULT 'open',
    -- 1 is the most urgent.
    priority      smallint NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 4),
    -- Story points, a Fibonacci number.
    estimate      smallint CHECK (estimate IN (1, 2, 3, 5, 8, 13)),
    -- Who opened the issue. Required: issues of deleted users move to the "ghost" account.
    reporter_id   bigint NOT NULL REFERENCES users (id),
    assignee_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    milestone_id  integer REFERENCES milestones (id) ON DELETE SET NULL,
    -- The epic or parent task this issue belongs to.
    parent_id     bigint REFERENCES issues (id) ON DELETE SET NULL,
    due_on        date,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    closed_at     timestamptz,
    -- Full-text search document, kept up to date by PostgreSQL.
    search        tsvector GENERATED ALWAYS AS (
                      to_tsvector('english', title || ' ' || coalesce(body, ''))
                  ) STORED,
    CONSTRAINT issues_project_number_key UNIQUE (project_id, number),
    CONSTRAINT issues_closed_state_check CHECK ((state = 'closed') = (closed_at IS NOT NULL))
);

COMMENT ON COLUMN issues.search IS 'tsvector of title and body, for the search box';

-- "My open issues", the most frequent query of the board.
CREATE INDEX issues_assignee_open_idx ON issues (assignee_id) WHERE state <> 'closed';
CREATE INDEX issues_project_state_idx ON issues (project_id, state);
CREATE INDEX issues_parent_idx ON issues (parent_id);
CREATE INDEX issues_search_idx ON issues USING gin (search);
-- Fuzzy title search ("did you mean ...").
CREATE INDEX issues_title_trgm_idx ON issues USING gin (title gin_trgm_ops);

-- Discussion under an issue.
CREATE TABLE comments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    issue_id    bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    author_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    -- Markdown. No length limit any more: pasted stack traces are welcome.
    body        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    edited_at   timestamptz
);

CREATE INDEX comments_issue_idx ON comments (issue_id, created_at);

-- Coloured tags, per project.
CREATE TABLE labels (
    id          serial PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name        text NOT NULL,
    -- #rrggbb
    color       char(7) NOT NULL DEFAULT '#888888' CHECK (color ~ '^#[0-9a-f]{6}$'),
    CONSTRAINT labels_project_name_key UNIQUE (project_id, name)
);

-- Which labels an issue carries.
CREATE TABLE issue_labels (
    issue_id  bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    label_id  integer NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (issue_id, label_id)
);

-- Users who get notified about every change of an issue.
CREATE TABLE issue_watchers (
    issue_id  bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (issue_id, user_id)
);

-- Files uploaded to an issue; the bytes live in object storage.
CREATE TABLE attachments (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    issue_id      bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    uploader_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    filename      text NOT NULL,
    content_type  text NOT NULL DEFAULT 'application/octet-stream',
    size_bytes    bigint NOT NULL CHECK (size_bytes >= 0),
    storage_key   text NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- A user's saved issue filter, shown in the sidebar.
CREATE TABLE saved_searches (
    id          serial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text NOT NULL,
    -- The filter as the search box builds it: {"state": ["open"], "labels": ["bug"]}.
    filters     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- =====================================================================================================
-- Notifications and integrations
-- =====================================================================================================

-- In-app notifications. Row-level security: a session sees only its own (app.user_id).
CREATE TABLE notifications (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind          notification_kind NOT NULL,
    issue_id      bigint REFERENCES issues (id) ON DELETE CASCADE,
    -- Rendered by the client: actor, old and new values.
    payload       jsonb NOT NULL DEFAULT '{}',
    created_at    timestamptz NOT NULL DEFAULT now(),
    read_at       timestamptz
);

-- The badge count: unread notifications of one user.
CREATE INDEX notifications_unread_idx ON notifications (recipient_id, created_at DESC) WHERE read_at IS NULL;

ALTER TABLE notifications ENABLE ROW LEVEL SECURITY;

CREATE POLICY notifications_own ON notifications
    USING (recipient_id = nullif(current_setting('app.user_id', true), '')::bigint);

-- Outgoing HTTP callbacks of an organisation.
CREATE TABLE webhooks (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    url         text NOT NULL CHECK (url LIKE 'https://%'),
    -- Event names to deliver, e.g. {issue.created,comment.created}.
    events      text[] NOT NULL,
    secret      text NOT NULL,
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One attempt to deliver an event to a webhook.
CREATE TABLE webhook_deliveries (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id     bigint NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event          text NOT NULL,
    request_body   jsonb NOT NULL,
    -- NULL while the request is in flight.
    response_code  smallint,
    duration_ms    integer,
    delivered_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, delivered_at DESC);

-- =====================================================================================================
-- Audit trail
-- =====================================================================================================

-- Who changed what, partitioned by month so that old months can be detached and archived.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    -- When the change happened; the partition key.
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    table_name  text NOT NULL,
    row_id      bigint NOT NULL,
    action      text NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
    -- The changed columns: {"column": [old, new]}.
    changes     jsonb,
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);

-- January 2026.
CREATE TABLE audit_log_2026_01 PARTITION OF audit_log
    FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
-- February 2026.
CREATE TABLE audit_log_2026_02 PARTITION OF audit_log
    FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');
-- Everything else, until the monthly job creates the next partition.
CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;

CREATE INDEX audit_log_row_idx ON audit_log (table_name, row_id);

-- =====================================================================================================
-- Triggers
-- =====================================================================================================

-- Keeps updated_at honest, whatever the client sends.
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

CREATE TRIGGER issues_set_updated_at
    BEFORE UPDATE ON issues
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Writes one audit_log row per changed issue; the actor comes from the app.user_id setting.
CREATE FUNCTION audit_issue_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_log (actor_id, table_name, row_id, action, changes)
    VALUES (
        nullif(current_setting('app.user_id', true), '')::bigint,
        'issues',
        coalesce(NEW.id, OLD.id),
        lower(TG_OP),
        CASE WHEN TG_OP = 'UPDATE'
             THEN jsonb_build_object('state', jsonb_build_array(OLD.state, NEW.state))
        END
    );
    RETURN NULL;
END;
$$;

CREATE TRIGGER issues_audit
    AFTER INSERT OR UPDATE OR DELETE ON issues
    FOR EACH ROW EXECUTE FUNCTION audit_issue_change();

-- =====================================================================================================
-- Reporting
-- =====================================================================================================

-- Open issues with their project key and assignee, for the board.
CREATE VIEW open_issues AS
SELECT i.id,
       p.key || '-' || i.number AS ref,
       i.title,
       i.state,
       i.priority,
       u.display_name AS assignee,
       i.due_on
  FROM issues i
  JOIN projects p ON p.id = i.project_id
  LEFT JOIN users u ON u.id = i.assignee_id
 WHERE i.state <> 'closed';

-- Issue counts per project and state; refreshed nightly.
CREATE MATERIALIZED VIEW project_stats AS
SELECT p.id AS project_id,
       p.key,
       count(i.id) FILTER (WHERE i.state = 'open') AS open_count,
       count(i.id) FILTER (WHERE i.state = 'closed') AS closed_count,
       max(i.updated_at) AS last_activity
  FROM projects p
  LEFT JOIN issues i ON i.project_id = p.id
 GROUP BY p.id, p.key;

CREATE UNIQUE INDEX project_stats_project_idx ON project_stats (project_id);
