-- An accepted column rename on a partitioned table and an inheritance parent while some of their children leave
-- them: one that keeps the old name (ev3, chi2) takes it back once detached (or NO INHERIT), its values kept, not
-- dropped and added again; one that takes the new name (ev2, chi) keeps what the RENAME gave it.
create table ev (id int, plan_id int, at int) partition by list (at);
create table ev1 partition of ev for values in (1);
create table ev2 partition of ev for values in (2);
create table ev3 partition of ev for values in (3);
create table par (id int, body text);
create table chi () inherits (par);
create table chi2 () inherits (par);
