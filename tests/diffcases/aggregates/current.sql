create function add_int(int, int) returns int language sql immutable as 'select $1 + $2';
create aggregate my_sum(int) (sfunc = add_int, stype = int, initcond = '0');
create function cnt_step(bigint) returns bigint language sql immutable as 'select $1 + 1';
create aggregate my_count(*) (sfunc = cnt_step, stype = bigint, initcond = '0');
comment on aggregate my_count(*) is 'counts rows';
create aggregate dropped_agg(int) (sfunc = add_int, stype = int);
create aggregate gone_count(*) (sfunc = cnt_step, stype = bigint);
