create schema a; create schema b;
create table b.things (id int generated always as identity primary key, label text);
create view a.v as select id, label from b.things;
create function a.tf() returns trigger language plpgsql as $$begin return new; end$$;
create trigger tr before insert on b.things for each row execute function a.tf();
create table a.refs (item int references b.things);
create function a.cnt() returns bigint language sql stable return (select count(*) from b.things);
