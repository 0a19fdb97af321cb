insert into kid select g, 'open', g from generate_series(1, 10) g;
insert into ev select g, 'new', '2025-05-05' from generate_series(1, 10) g;
