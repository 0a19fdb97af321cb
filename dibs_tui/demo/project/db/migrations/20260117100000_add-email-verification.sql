-- Migration: 20260117100000_add-email-verification
-- Users confirm their address before they get notification mails.

-- Schema changes

ALTER TABLE users ADD COLUMN email_verified boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;

-- Meta updates
-- @dibs-meta
