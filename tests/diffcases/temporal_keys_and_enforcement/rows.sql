insert into film select g, 'f' || g from generate_series(1, 10) g;
insert into price select g, 1.5, daterange('2024-01-01', '2025-01-01') from generate_series(1, 10) g;
insert into price select g, 2.5, daterange('2025-01-01', null) from generate_series(1, 10) g;
insert into override select s, g, daterange('2024-03-01', '2024-04-01') from generate_series(1, 10) g, generate_series(1, 2) s;
insert into slot select g, daterange('2024-01-01', '2024-02-01') from generate_series(1, 5) g;
insert into slot_use select g, daterange('2024-01-05', '2024-01-07') from generate_series(1, 5) g;
insert into e select g, g, g from generate_series(1, 10) g;
