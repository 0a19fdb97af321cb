insert into added select g, case when g % 2 = 0 then g end from generate_series(1, 10) g;
insert into validated select g, g from generate_series(1, 10) g;
insert into dropped select g, g from generate_series(1, 10) g;
insert into grown select g from generate_series(1, 10) g;
