create table vehicle (id int primary key, make text, vin text not null);
create table car (doors int, vin text not null) inherits (vehicle);
create table truck (axles int) inherits (vehicle);
create table boat (hull text) inherits (vehicle);
create table amph (wheels int) inherits (car, boat);
create index car_vin on car (vin);
create view vins as select vin from car;
