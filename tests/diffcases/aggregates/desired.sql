create function add_int(int, int) returns int language sql immutable as 'select $1 + $2';
create aggregate my_sum(int) (sfunc = add_int, stype = int, initcond = '10');
create function cnt_step(bigint) returns bigint language sql immutable as 'select $1 + 1';
create aggregate my_count(*) (sfunc = cnt_step, stype = bigint, initcond = '0');
comment on aggregate my_count(*) is 'counts all rows';
comment on aggregate my_sum(int) is 'sums';
create aggregate new_agg(int) (sfunc = add_int, stype = int, initcond = '1', parallel = safe);
