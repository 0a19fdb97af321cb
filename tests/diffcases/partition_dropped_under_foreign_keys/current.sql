-- A partition of a partitioned table that foreign keys reference is dropped (or made): PostgreSQL refuses to
-- drop it while a key depends on it ("constraint ... depends on table"), so it is detached first. A plain key
-- and a temporal one (PostgreSQL 18: WITHOUT OVERLAPS, PERIOD), made NOT ENFORCED in place; a partitioned
-- table gets a temporal key to it.
create extension if not exists btree_gist;
create table booking (k int, room int, primary key (k, room)) partition by list (k);
create table booking_1 partition of booking for values in (1);
create table stay (k int, room int, constraint stay_booking foreign key (k, room) references booking (k, room));
create table slot (k int, room int, at daterange, primary key (k, room, at without overlaps)) partition by list (k);
create table slot_1 partition of slot for values in (1);
create table slot_sub (k int, room int, at daterange) partition by list (room);
create table slot_sub_1 partition of slot_sub for values in (1);
create table visit (k int, room int, at daterange,
  constraint visit_slot foreign key (k, room, period at) references slot (k, room, period at));
