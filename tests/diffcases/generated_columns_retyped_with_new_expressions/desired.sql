create table q (id int primary key, a int, v text generated always as ('v' || a), s numeric generated always as (a / 3.0) stored);
