create function allowed(v integer) returns boolean language sql immutable as 'SELECT v >= 0';
create table booking (k int, constraint fz_rk2 check (allowed(k)));
comment on constraint fz_rk2 on booking is 'never negative';
