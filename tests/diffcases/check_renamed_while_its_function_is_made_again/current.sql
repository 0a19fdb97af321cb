-- A CHECK renamed (alike but for its name) while the function it calls is made again (a parameter renamed):
-- the CHECK goes and comes with the function, so it is added under its new name, not renamed after its drop
-- ("constraint ... does not exist"; openstreetmap fuzz seed 825). Its comment comes back with it.
create function allowed(k integer) returns boolean language sql immutable as 'SELECT k >= 0';
create table booking (k int, constraint booking_allowed check (allowed(k)));
comment on constraint booking_allowed on booking is 'never negative';
