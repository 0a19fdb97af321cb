create table team (team_no int constraint team_pkey primary key, lead_id int);
create table person (
  id int constraint person_pkey primary key,
  squad_id int constraint person_team_fkey references team (team_no) on delete set null (squad_id),
  manager_id int constraint person_boss_fkey references person (id) deferrable
);
alter table team add constraint team_lead_fkey foreign key (lead_id) references person (id);
