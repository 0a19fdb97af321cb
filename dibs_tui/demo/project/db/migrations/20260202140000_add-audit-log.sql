-- Migration: 20260202140000_add-audit-log
-- A monthly-partitioned audit trail, written by a trigger on issues.

-- Schema changes

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    table_name  text NOT NULL,
    row_id      bigint NOT NULL,
    action      text NOT NULL CHECK (action IN ('insert', 'update', 'delete')),
    changes     jsonb,
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);

CREATE TABLE audit_log_2026_01 PARTITION OF audit_log
    FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
CREATE TABLE audit_log_2026_02 PARTITION OF audit_log
    FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');
CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;

CREATE INDEX audit_log_row_idx ON audit_log (table_name, row_id);

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

-- Meta updates
-- @dibs-meta
