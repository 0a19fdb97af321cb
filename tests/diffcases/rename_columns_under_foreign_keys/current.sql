-- Columns renamed (accepted) on both ends of foreign keys: a key's own column (one whose text the server
-- writes: ON DELETE SET NULL (column)), a self-reference's, and a referenced primary key column. PostgreSQL
-- follows each rename in the keys by itself: no key is dropped and added again (which would check every row
-- again under SHARE ROW EXCLUSIVE on both tables).
create table team (id int constraint team_pkey primary key, lead_id int);
create table person (
  id int constraint person_pkey primary key,
  team_id int constraint person_team_fkey references team (id) on delete set null (team_id),
  boss_id int constraint person_boss_fkey references person (id) deferrable
);
alter table team add constraint team_lead_fkey foreign key (lead_id) references person (id);
