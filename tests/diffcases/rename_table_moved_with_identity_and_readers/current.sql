create schema a; create schema b;
create table a.items (id int generated always as identity primary key, label text);
create view a.v as select id, label from a.items;
create function a.tf() returns trigger language plpgsql as $$begin return new; end$$;
create trigger tr before insert on a.items for each row execute function a.tf();
create table a.refs (item int references a.items);
create function a.cnt() returns bigint language sql stable return (select count(*) from a.items);
