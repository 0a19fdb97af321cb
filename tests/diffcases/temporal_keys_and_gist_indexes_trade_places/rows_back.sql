insert into o select g, '[2024-01-01,2025-01-01)' from generate_series(1, 5) g;
insert into p select g, '[2024-01-01,2025-01-01)' from generate_series(1, 5) g;
insert into r select g, '[2024-01-01,2025-01-01)' from generate_series(1, 5) g;
