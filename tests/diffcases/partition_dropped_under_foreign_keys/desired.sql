create extension if not exists btree_gist;
create table booking (k int, room int, primary key (k, room)) partition by list (k);
create table booking_1 partition of booking for values in (1);
create table booking_2 partition of booking for values in (2);
create table stay (k int, room int, constraint stay_booking foreign key (k, room) references booking (k, room));
create table slot (k int, room int, at daterange, primary key (k, room, at without overlaps)) partition by list (k);
create table slot_1 partition of slot for values in (1);
create table slot_sub (k int, room int, at daterange, primary key (k, room, at without overlaps)) partition by list (room);
create table slot_sub_1 partition of slot_sub for values in (1);
alter table slot attach partition slot_sub for values in (2);
create table visit (k int, room int, at daterange,
  constraint visit_slot foreign key (k, room, period at) references slot (k, room, period at) not enforced);
create table visit_part (k int, room int, at daterange) partition by list (k);
create table visit_part_1 partition of visit_part for values in (1);
alter table visit_part add constraint visit_part_slot foreign key (k, room, period at) references slot (k, room, period at);
