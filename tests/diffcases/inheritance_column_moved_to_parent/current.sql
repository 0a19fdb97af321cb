-- A column the children declare each moved up to their parent, and back. Forward: the parent's ADD COLUMN
-- merges the children's own (theirs "inherited and local" after: PostgreSQL has no statement that makes a
-- column inherited only), a child's type made the parent's first (PostgreSQL refuses the add otherwise), a
-- child's NOT NULL the parent's now. Back: the parent drops it ONLY, so the children that keep it keep it
-- with their values, indexes and views (a drop that recursed took it from them, and ADD COLUMN IF NOT EXISTS
-- gave it back empty); its NOT NULL dropped in the same statement, or PostgreSQL 18 leaves the children's
-- inherited from nothing; a child that does not keep it drops it itself.
create table vehicle (id int primary key, make text);
create table car (doors int, vin varchar(17) not null) inherits (vehicle);
create table truck (axles int, vin text not null) inherits (vehicle);
create table boat (hull text) inherits (vehicle);
create table amph (wheels int) inherits (car, boat);
create index car_vin on car (vin);
create view vins as select vin from car;
