-- A generated column made plain (its values kept: DROP EXPRESSION) while the function its expression calls is
-- dropped and made again with another return type (lago seed 925): the function's DROP ran first and failed
-- ("column doubled of table things depends on function twice(integer)"). The DROP EXPRESSION goes first.
create function twice(integer) returns integer language sql immutable as 'select $1 * 2';
create table things (id int primary key, n int, doubled int generated always as (twice(n)) stored);
