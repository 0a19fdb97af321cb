insert into np select g, g from generate_series(1, 5) g;
insert into nc select g, g from generate_series(6, 10) g;
