-- Migration: 20260110090000_initial-schema
-- The first version of Acme Tracker: accounts, projects, issues, comments, labels, attachments.

-- Schema changes

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TYPE issue_state AS ENUM ('open', 'in_progress', 'blocked', 'closed');
CREATE TYPE member_role AS ENUM ('owner', 'admin', 'member', 'guest');
CREATE TYPE notification_kind AS ENUM ('assigned', 'mentioned', 'commented', 'state_changed');
CREATE DOMAIN email_address AS text
    CHECK (VALUE ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$');

CREATE TABLE orgs (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{2,40}$'),
    name        text NOT NULL,
    plan        text NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'team', 'enterprise')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email            email_address NOT NULL,
    display_name     text NOT NULL,
    legacy_username  text,
    default_org_id   bigint REFERENCES orgs (id) ON DELETE SET NULL,
    preferences      jsonb NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    deactivated_at   timestamptz
);

CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

CREATE TABLE memberships (
    org_id      bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role        member_role NOT NULL DEFAULT 'member',
    joined_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, user_id)
);

CREATE INDEX memberships_user_idx ON memberships (user_id);

CREATE TABLE projects (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id       bigint NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    key          text NOT NULL CHECK (key ~ '^[A-Z]{2,6}$'),
    name         text NOT NULL,
    description  text,
    lead_id      bigint REFERENCES users (id) ON DELETE SET NULL,
    archived_at  timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT projects_org_key_key UNIQUE (org_id, key)
);

COMMENT ON TABLE projects IS 'Projects of an organisation.';

CREATE TABLE milestones (
    id          serial PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    title       text NOT NULL,
    starts_on   date,
    due_on      date,
    CONSTRAINT milestones_dates_check CHECK (due_on IS NULL OR starts_on IS NULL OR due_on >= starts_on)
);

CREATE TABLE issues (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id    bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    number        integer NOT NULL,
    title         text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    body          text,
    state         issue_state NOT NULL DEFAULT 'open',
    priority      smallint NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 4),
    reporter_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    assignee_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    milestone_id  integer REFERENCES milestones (id) ON DELETE SET NULL,
    parent_id     bigint REFERENCES issues (id) ON DELETE SET NULL,
    due_on        date,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    closed_at     timestamptz,
    search        tsvector GENERATED ALWAYS AS (
                      to_tsvector('english', title || ' ' || coalesce(body, ''))
                  ) STORED,
    CONSTRAINT issues_project_number_key UNIQUE (project_id, number),
    CONSTRAINT issues_closed_state_check CHECK ((state = 'closed') = (closed_at IS NOT NULL))
);

COMMENT ON COLUMN issues.search IS 'tsvector of title and body, for the search box';

CREATE INDEX issues_assignee_open_idx ON issues (assignee_id) WHERE state <> 'closed';
CREATE INDEX issues_project_state_idx ON issues (project_id, state);
CREATE INDEX issues_parent_idx ON issues (parent_id);
CREATE INDEX issues_search_idx ON issues USING gin (search);
CREATE INDEX issues_title_trgm_idx ON issues USING gin (title gin_trgm_ops);

CREATE TABLE comments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    issue_id    bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    author_id   bigint REFERENCES users (id) ON DELETE SET NULL,
    body        varchar(2000) NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    edited_at   timestamptz
);

CREATE INDEX comments_issue_idx ON comments (issue_id, created_at);

CREATE TABLE labels (
    id          serial PRIMARY KEY,
    project_id  bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name        text NOT NULL,
    color       char(7) NOT NULL DEFAULT '#888888' CHECK (color ~ '^#[0-9a-f]{6}$'),
    CONSTRAINT labels_project_name_key UNIQUE (project_id, name)
);

CREATE TABLE issue_labels (
    issue_id  bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    label_id  integer NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (issue_id, label_id)
);

CREATE TABLE issue_watchers (
    issue_id  bigint NOT NULL REFERENCES issues (id) ON DELETE CASCADE,
    user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (issue_id, user_id)
);

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

CREATE TABLE saved_searches (
    id          serial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name        text NOT NULL,
    filters     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

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

-- Meta updates
-- @dibs-meta
