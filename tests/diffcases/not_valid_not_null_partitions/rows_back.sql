insert into p select g, g from generate_series(1, 19) g;
insert into par values (1, 1);
insert into chi values (3, 3);
insert into q select g, g from generate_series(1, 19) g;
