insert into booking select 1, g from generate_series(1, 5) g;
insert into stay select 1, g from generate_series(1, 5) g;
insert into slot select 1, g, '[2024-01-01,2025-01-01)' from generate_series(1, 5) g;
insert into visit select 1, g, '[2024-02-01,2024-03-01)' from generate_series(1, 5) g;
