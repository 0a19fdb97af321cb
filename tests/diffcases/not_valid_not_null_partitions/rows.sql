insert into p select g, case when g < 10 then g end from generate_series(1, 19) g;
insert into par values (1, null), (2, 2);
insert into chi values (3, null), (4, 4);
