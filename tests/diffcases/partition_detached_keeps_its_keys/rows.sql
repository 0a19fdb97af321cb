insert into owner values (1);
insert into a values (1, '2024-02-01', 'x', 1), (2, '2025-02-01', 'y', null);
insert into p3 values (3, '2026-02-01', 'z', 1);
